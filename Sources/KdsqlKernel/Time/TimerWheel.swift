import KdsqlMemory
import KdsqlDebugInfo

/// One pending `struct timer_list` on a CPU's timer wheel.
public struct WheelTimer: Sendable, Equatable {
    public var cpu: Int
    /// `BASE_STD`/`BASE_DEF` (v6.1 with NO_HZ_COMMON), `BASE_LOCAL`/`BASE_GLOBAL`/`BASE_DEF` (6.9+).
    public var base: String
    /// Address of the `struct timer_list`.
    public var timer: UInt64
    /// Expiry in jiffies.
    public var expires: UInt64
    /// expires − the dump's jiffies (negative: overdue when the kernel stopped).
    public var expiresIn: Int64
    public var function: UInt64
    public var flags: UInt32
    /// Index into the base's vectors[] where the timer was found.
    public var bucket: Int
    /// Wheel level (bucket / LVL_SIZE): granularity 8^level jiffies.
    public var level: Int

    /// CPU the timer's flags say it is queued on (TIMER_CPUMASK).
    public var flagsCPU: Int { Int(flags & TimerFlags.cpuMask) }
    /// The wheel index kept in the flags (TIMER_ARRAYMASK >> TIMER_ARRAYSHIFT).
    public var flagsBucket: Int { Int(flags >> TimerFlags.arrayShift) }
    public var isDeferrable: Bool { flags & TimerFlags.deferrable != 0 }
    public var isPinned: Bool { flags & TimerFlags.pinned != 0 }
    public var isIRQSafe: Bool { flags & TimerFlags.irqSafe != 0 }
    public var isMigrating: Bool { flags & TimerFlags.migrating != 0 }
}

/// The `flags` bits of struct timer_list (include/linux/timer.h, unchanged
/// from 4.8 to 6.x). They are #defines, so BTF does not carry them.
public enum TimerFlags {
    public static let cpuMask: UInt32 = 0x0003_FFFF
    public static let migrating: UInt32 = 0x0004_0000
    public static let deferrable: UInt32 = 0x0008_0000
    public static let pinned: UInt32 = 0x0010_0000
    public static let irqSafe: UInt32 = 0x0020_0000
    public static let arrayShift: UInt32 = 22

    /// `D` deferrable, `P` pinned, `I` irqsafe, `M` migrating.
    public static func letters(_ flags: UInt32) -> String {
        var s = ""
        if flags & deferrable != 0 { s += "D" }
        if flags & pinned != 0 { s += "P" }
        if flags & irqSafe != 0 { s += "I" }
        if flags & migrating != 0 { s += "M" }
        return s
    }
}

/// The per-CPU timer wheels (kernel/time/timer.c): `timer_bases[NR_BASES]`,
/// each `struct timer_base` with `vectors[WHEEL_SIZE]` hlist_heads of
/// `struct timer_list.entry`, like crash's `timer`.
public final class TimerWheel {
    public let kernel: Kernel
    let entry: FieldRef, expires: FieldRef, function: FieldRef, flags: FieldRef
    let vectors: FieldRef, baseCPU: FieldRef, clk: FieldRef
    let baseSize: UInt64
    public let wheelSize: Int
    /// Names of the bases, index = position in timer_bases[].
    public let baseNames: [String]
    /// The dump's jiffies_64.
    public let jiffies: UInt64

    /// LVL_SIZE: 1 << LVL_BITS (6) buckets per level.
    static let levelSize = 64

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let t = "struct timer_list", b = "struct timer_base"
        entry = try kernel.field(t, "entry")
        expires = try kernel.field(t, "expires")
        function = try kernel.field(t, "function")
        flags = try kernel.field(t, "flags")
        vectors = try kernel.field(b, "vectors")
        baseCPU = try kernel.field(b, "cpu")
        clk = try kernel.field(b, "clk")
        baseSize = UInt64(try kernel.size(of: b))
        let headSize = try kernel.size(of: "struct hlist_head")
        wheelSize = vectors.size / max(headSize, 1)
        jiffies = try kernel.readU64(try kernel.address(of: "jiffies_64"))

        // NR_BASES is a #define (kernel/time/timer.c): 2 in v6.1 with
        // CONFIG_NO_HZ_COMMON (BASE_STD, BASE_DEF), 1 without, 3 from 6.9
        // (commit 83a665dc99a7 split BASE_STD into BASE_LOCAL/BASE_GLOBAL).
        // Each base records its CPU (timers_prepare_cpu()) and its clk follows
        // jiffies: the largest count whose every base of every CPU says so is
        // NR_BASES (whatever follows the array in the per-CPU area does not).
        // The symbol table's extent of `timer_bases` would depend on the symbol
        // source (a System.map's per-CPU symbols are not in its address lookup).
        var count = 2
        let cpus = (try? kernel.possibleCPUs()) ?? [0]
        let baseSize = self.baseSize, baseCPU = self.baseCPU, clk = self.clk, jiffies = self.jiffies
        func plausible(_ index: Int) -> Bool {
            cpus.allSatisfy { c in
                guard let b = try? kernel.perCPU("timer_bases", cpu: c) + UInt64(index) * baseSize,
                      let cpu = try? kernel.readUnsigned(b, baseCPU), let k = try? kernel.readUnsigned(b, clk) else { return false }
                return cpu == UInt64(c) && (k &- jiffies &+ (1 << 32)) < (1 << 33)
            }
        }
        if let n = (1...3).reversed().first(where: { k in (0..<k).allSatisfy(plausible) }) { count = n }
        switch count {
        case 1: baseNames = ["BASE_STD"]
        case 3: baseNames = ["BASE_LOCAL", "BASE_GLOBAL", "BASE_DEF"]
        default: baseNames = ["BASE_STD", "BASE_DEF"]
        }
    }

    /// Address of `timer_bases[index]` of `cpu`.
    public func base(cpu: Int, index: Int) throws -> UInt64 {
        try kernel.perCPU("timer_bases", cpu: cpu) + UInt64(index) * baseSize
    }

    /// The wheel's own time (`base->clk`, jiffies it has caught up to).
    public func clock(cpu: Int, index: Int) throws -> UInt64 {
        try kernel.readUnsigned(try base(cpu: cpu, index: index), clk)
    }

    /// Every pending timer of every possible CPU, per base in bucket order.
    public func all() throws -> [WheelTimer] {
        var out: [WheelTimer] = []
        for cpu in try kernel.possibleCPUs() { out += try timers(cpu: cpu) }
        return out
    }

    public func timers(cpu: Int) throws -> [WheelTimer] {
        var out: [WheelTimer] = []
        for (index, name) in baseNames.enumerated() {
            let b = try base(cpu: cpu, index: index)
            // init_timer_cpu() sets base->cpu; another value means the base count is wrong.
            let recorded = try kernel.readUnsigned(b, baseCPU)
            guard recorded == UInt64(cpu) else {
                if index == 0 {
                    throw MemoryError.typeMismatch("timer_bases of CPU \(cpu) at 0x\(String(b, radix: 16)) records cpu \(recorded); per-CPU offsets or struct timer_base look wrong")
                }
                break
            }
            for bucket in 0..<wheelSize {
                let head = b + vectors.offset + UInt64(bucket * 8)
                // Timers embedded in slab objects are lost with their pages
                // on a filtered dump: the bucket's later timers with them
                // (an hlist has no way back), recorded as skipped.
                for node in try kernel.resilientHlistNodes(head: head, what: "timer wheel bucket \(bucket) of CPU \(cpu) \(name)",
                                                           object: "timer_list", offset: entry.offset, limit: 1_000_000) {
                    let timer = node - entry.offset
                    _ = try kernel.warnings.skipping("timer_list", at: timer) {
                        let exp = try kernel.readUnsigned(timer, expires)
                        out.append(WheelTimer(
                            cpu: cpu, base: name, timer: timer, expires: exp,
                            expiresIn: Int64(bitPattern: exp &- jiffies),
                            function: try kernel.readPointer(timer, function),
                            flags: UInt32(truncatingIfNeeded: try kernel.readUnsigned(timer, flags)),
                            bucket: bucket, level: bucket / Self.levelSize))
                    }
                }
            }
        }
        return out
    }

    /// For `process_timeout` timers (schedule_timeout()), the sleeping task:
    /// the timer is embedded in `struct process_timer {timer_list timer; task_struct *task;}`
    /// (kernel/time/timer.c).
    public func sleepingTask(_ t: WheelTimer) -> UInt64? {
        guard kernel.symbols.address(of: "process_timeout") == t.function,
              let timer = try? kernel.field("struct process_timer", "timer"),
              let task = try? kernel.field("struct process_timer", "task") else { return nil }
        return try? kernel.readPointer(t.timer - timer.offset, task)
    }

    /// For `delayed_work_timer_fn` timers, the work function that will run
    /// (`struct delayed_work {work_struct work; timer_list timer; ...}`, include/linux/workqueue.h).
    public func delayedWorkFunction(_ t: WheelTimer) -> UInt64? {
        guard kernel.symbols.address(of: "delayed_work_timer_fn") == t.function,
              let timer = try? kernel.field("struct delayed_work", "timer"),
              let fn = try? kernel.field("struct delayed_work", "work.func") else { return nil }
        return try? kernel.readPointer(t.timer - timer.offset, fn)
    }
}
