import KdsqlMemory
import KdsqlDebugInfo

/// One queued `struct hrtimer`.
public struct HRTimer: Sendable, Equatable {
    public var cpu: Int
    /// `MONOTONIC`, `REALTIME`, `BOOTTIME`, `TAI`, and `_SOFT` variants
    /// (enum hrtimer_base_type without its `HRTIMER_BASE_` prefix).
    public var clockBase: String
    public var timer: UInt64
    /// `_softexpires`: the earliest time it may fire (ns in its base's clock).
    public var softExpires: Int64
    /// `node.expires`: the latest (soft expiry + the task's timer slack).
    public var expires: Int64
    /// expires − the base's clock at the dump (see `HRTimers.now`).
    public var expiresIn: Int64
    public var function: UInt64
    /// HRTIMER_STATE_ENQUEUED (1) is the only state a queued timer can have
    /// (7.x: `is_queued`, true = 1).
    public var state: UInt64
}

/// The per-CPU high-resolution timer queues (kernel/time/hrtimer.c),
/// like crash's `timer -r`: `hrtimer_bases.clock_base[HRTIMER_MAX_CLOCK_BASES]`,
/// each with `active` (struct timerqueue_head: an rb_root_cached of
/// `struct timerqueue_node`, embedded as `struct hrtimer.node`), walked in
/// expiry order.
///
/// "Now" for `expires_in`: the timekeeper's CLOCK_MONOTONIC at its last
/// update (tk_core.timekeeper.tkr_mono: base + xtime_nsec >> shift, what
/// ktime_get() returns with no cycles elapsed), plus each base's `offset`
/// (offs_real/offs_boot/offs_tai, kept in the base by hrtimer_update_base()).
/// That is the clock the timers are queued in; it trails the crash by up to a
/// tick (longer on a NOHZ-idle CPU), so expires_in can be slightly too large.
public final class HRTimers {
    public let kernel: Kernel
    let clockBase: FieldRef, clockBaseSize: UInt64, clockBaseCount: Int
    let active: FieldRef, offset: FieldRef, index: FieldRef
    let nodeExpires: FieldRef, hrNode: FieldRef, softExpires: FieldRef, function: FieldRef, state: FieldRef
    let rbtree: RBTree
    public let baseNames: [Int: String]
    /// CLOCK_MONOTONIC at the last timekeeping update, ns; nil if tk_core cannot be read.
    public let monotonicNow: Int64?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        clockBase = try kernel.field("struct hrtimer_cpu_base", "clock_base")
        clockBaseSize = UInt64(try kernel.size(of: "struct hrtimer_clock_base"))
        clockBaseCount = clockBase.size / Int(max(clockBaseSize, 1))
        let cb = "struct hrtimer_clock_base"
        active = try kernel.field(cb, "active")
        offset = try kernel.field(cb, "offset")
        index = try kernel.field(cb, "index")
        // hrtimer.node is a struct timerqueue_node up to 6.x and a struct
        // timerqueue_linked_node (an rb_node_linked: rb_node first, then
        // prev/next) in 7.x; both have `expires` and start with the rb_node,
        // and clock_base.active (timerqueue_head / timerqueue_linked_head)
        // starts with the rb_root either way (include/linux/hrtimer_types.h,
        // timerqueue_types.h), so the walk below serves both.
        hrNode = try kernel.field("struct hrtimer", "node")
        nodeExpires = try kernel.field("struct hrtimer", "node.expires")
        softExpires = try kernel.field("struct hrtimer", "_softexpires")
        function = try kernel.field("struct hrtimer", "function")
        // u8 `state` (HRTIMER_STATE_ENQUEUED = 1) up to 6.x; 7.x replaced it
        // by `bool is_queued` (include/linux/hrtimer_types.h at 7.3).
        state = try (try? kernel.field("struct hrtimer", "state")) ?? kernel.field("struct hrtimer", "is_queued")
        rbtree = try RBTree(kernel: kernel)
        var names: [Int: String] = [:]
        for e in try kernel.types().enumerators(of: try kernel.type("enum hrtimer_base_type")) where e.name != "HRTIMER_MAX_CLOCK_BASES" {
            names[Int(e.value)] = e.name.hasPrefix("HRTIMER_BASE_") ? String(e.name.dropFirst(13)) : e.name
        }
        baseNames = names
        monotonicNow = HRTimers.monotonic(kernel)
    }

    /// CLOCK_MONOTONIC of the core timekeeper (CoreTimekeeper).
    static func monotonic(_ kernel: Kernel) -> Int64? {
        guard let tk = CoreTimekeeper.address(kernel),
              let base = try? kernel.field("struct timekeeper", "tkr_mono.base"),
              let nsec = try? kernel.field("struct timekeeper", "tkr_mono.xtime_nsec"),
              let shift = try? kernel.field("struct timekeeper", "tkr_mono.shift") else { return nil }
        guard let b = try? kernel.readSigned(tk, base), let n = try? kernel.readUnsigned(tk, nsec),
              let s = try? kernel.readUnsigned(tk, shift), s < 64 else { return nil }
        return b + Int64(n >> s)
    }

    /// Address of `hrtimer_bases.clock_base[i]` of `cpu`.
    public func clockBaseAddress(cpu: Int, _ i: Int) throws -> UInt64 {
        try kernel.perCPU("hrtimer_bases", cpu: cpu) + clockBase.offset + UInt64(i) * clockBaseSize
    }

    /// The base's clock at the dump: monotonic now + the base's offset.
    public func now(cpu: Int, base i: Int) throws -> Int64? {
        guard let monotonicNow else { return nil }
        return monotonicNow &+ (try kernel.readSigned(try clockBaseAddress(cpu: cpu, i), offset))
    }

    /// `offset` of a clock base (0 for MONOTONIC; offs_real for REALTIME ...).
    public func offset(cpu: Int, base i: Int) throws -> Int64 {
        try kernel.readSigned(try clockBaseAddress(cpu: cpu, i), offset)
    }

    public func all() throws -> [HRTimer] {
        var out: [HRTimer] = []
        for cpu in try kernel.possibleCPUs() { out += try timers(cpu: cpu) }
        return out
    }

    /// Queued timers of one CPU, base by base, each base in expiry order.
    public func timers(cpu: Int) throws -> [HRTimer] {
        var out: [HRTimer] = []
        for i in 0..<clockBaseCount {
            let cb = try clockBaseAddress(cpu: cpu, i)
            let name = baseNames[i] ?? "BASE\(i)"
            let now = try self.now(cpu: cpu, base: i)
            // timerqueue_head.rb_root is an rb_root_cached (since 4.20, commit 511885d7061e).
            for node in try rbtree.inorder(cachedRoot: cb + active.offset, what: "hrtimer queue \(name) of CPU \(cpu)", limit: 1_000_000) {
                let timer = node - hrNode.offset
                // A timer on a page the dump lacks is skipped (RBTree skips
                // the nodes it cannot read, with their subtrees).
                _ = try kernel.warnings.skipping("hrtimer", at: timer) {
                    let exp = try kernel.readSigned(timer, nodeExpires)
                    out.append(HRTimer(
                        cpu: cpu, clockBase: name, timer: timer,
                        softExpires: try kernel.readSigned(timer, softExpires), expires: exp,
                        expiresIn: now.map { exp &- $0 } ?? 0,
                        function: try kernel.readPointer(timer, function),
                        state: try kernel.readUnsigned(timer, state)))
                }
            }
        }
        return out
    }

    /// For `hrtimer_wakeup` timers (nanosleep, poll/select timeouts,
    /// schedule_hrtimeout): the sleeping task, from the enclosing
    /// `struct hrtimer_sleeper {struct hrtimer timer; struct task_struct *task;}`
    /// (include/linux/hrtimer.h).
    public func sleeper(_ t: HRTimer) -> UInt64? {
        guard kernel.symbols.address(of: "hrtimer_wakeup") == t.function,
              let timer = try? kernel.field("struct hrtimer_sleeper", "timer"),
              let task = try? kernel.field("struct hrtimer_sleeper", "task") else { return nil }
        return try? kernel.readPointer(t.timer - timer.offset, task)
    }
}
