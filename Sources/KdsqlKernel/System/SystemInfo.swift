import KdsqlDump
import KdsqlMemory
import KdsqlDebugInfo

/// What crash's `sys` prints: identity, time, load, memory, and who panicked.
public struct SystemInfo {
    public var release: String
    public var version: String
    public var machine: String
    public var nodename: String
    public var sysname: String
    public var domainname: String
    public var cpus: Int
    /// Seconds since boot (CLOCK_BOOTTIME at the last timekeeping update).
    public var uptimeNs: UInt64?
    /// Wall-clock seconds since the epoch at the last timekeeping update.
    public var wallClockSeconds: Int64?
    public var jiffies: UInt64?
    public var loadAverage: [Double]?
    public var totalRAMBytes: UInt64?
    public var panicCPU: Int?
    public var panicTask: UInt64?

    /// True when the kernel's own utsname could not be read (a dump cut
    /// before the kernel image) and the identity comes from VMCOREINFO and
    /// the dump header instead; fields neither has are empty.
    public var identityFromHeaders = false

    public init(kernel: Kernel) throws {
        do {
            // init_uts_ns.name is struct new_utsname (include/uapi/linux/utsname.h).
            let uts = try kernel.address(of: "init_uts_ns") + (try kernel.field("struct uts_namespace", "name")).offset
            func utsField(_ name: String) throws -> String {
                try kernel.readCharArray(uts, try kernel.field("struct new_utsname", name))
            }
            sysname = try utsField("sysname")
            nodename = try utsField("nodename")
            release = try utsField("release")
            version = try utsField("version")
            machine = try utsField("machine")
            domainname = try utsField("domainname")
        } catch {
            // The kernel image (its utsname, or the BTF that describes it)
            // is unreadable: what VMCOREINFO and the header say, with a warning.
            guard !kernel.warnings.strict else { throw error }
            kernel.warnings.note("init_uts_ns unreadable (\(error)); identity from VMCOREINFO and the dump header", at: nil,
                                 cause: KernelWarnings.unreadableCause(error) ?? "no type information")
            let header = kernel.dump.header
            identityFromHeaders = true
            sysname = "Linux"
            nodename = header.nodename ?? ""
            release = kernel.vmcoreinfo.osRelease ?? header.release ?? ""
            version = header.version ?? ""
            machine = header.machine ?? "x86_64"
            domainname = ""
        }
        cpus = (try? kernel.presentCPUs().count) ?? kernel.dump.header.cpuCount ?? 1

        jiffies = try? kernel.readU64(try kernel.address(of: "jiffies_64"))
        if let avenrun = try? kernel.address(of: "avenrun") {
            // Fixed point with FSHIFT 11, rounded like /proc/loadavg (fs/proc/loadavg.c).
            loadAverage = try? (0..<3).map { i -> Double in
                let raw = try kernel.readU64(avenrun + UInt64(i) * 8) &+ 2048 / 200
                return Double(raw >> 11) + Double(((raw & 2047) * 100) >> 11) / 100
            }
        }
        if let pages = (try? kernel.address(of: "_totalram_pages")) ?? (try? kernel.address(of: "totalram_pages")) {
            // A damaged count must give NULL, not trap on the multiplication.
            totalRAMBytes = (try? kernel.readU64(pages)).flatMap {
                let (bytes, overflow) = $0.multipliedReportingOverflow(by: kernel.pageSize)
                return overflow ? nil : bytes
            }
        }
        let (timekeeperUptime, wall) = SystemInfo.timekeeping(kernel)
        wallClockSeconds = wall
        // The timekeeper is only as fresh as its last tick, which with NOHZ can
        // lag the crash by most of a second (0.68 s on the sysrq fixture). Each
        // CPU's rq->clock (sched_clock ns since boot, the printk time base) is
        // updated at every scheduler event, so the latest one is the better
        // "time of the crash"; take whichever is later.
        var latest = timekeeperUptime ?? 0
        if let clock = try? kernel.field("struct rq", "clock") {
            for c in (try? kernel.possibleCPUs()) ?? [] {
                if let v = try? kernel.readU64(try kernel.perCPU("runqueues", cpu: c) + clock.offset) { latest = max(latest, v) }
            }
        }
        uptimeNs = latest > 0 ? latest : nil
        // Wall clock at the crash: the timekeeper's seconds plus the lag.
        if let wall, let tku = timekeeperUptime, latest > tku { wallClockSeconds = wall + Int64((latest - tku) / 1_000_000_000) }
        // panic() stores the panicking CPU in panic_cpu (kernel/panic.c);
        // PANIC_CPU_INVALID is -1.
        if let pc = try? kernel.readI32(try kernel.address(of: "panic_cpu")), pc >= 0 {
            panicCPU = Int(pc)
            if let curr = try? kernel.field("struct rq", "curr") {
                panicTask = try? kernel.readU64(try kernel.perCPU("runqueues", cpu: Int(pc)) + curr.offset)
            }
        }
    }

    /// Reads the core timekeeper (CoreTimekeeper: `tk_core` up to 6.12,
    /// `timekeeper_data[0]` later).
    static func timekeeping(_ kernel: Kernel) -> (UInt64?, Int64?) {
        guard let tk = CoreTimekeeper.address(kernel) else { return (nil, nil) }
        var uptime: UInt64? = nil
        if let base = try? kernel.field("struct timekeeper", "tkr_mono.base"),
           let offsBoot = try? kernel.field("struct timekeeper", "offs_boot"),
           let mono = try? kernel.readU64(tk + base.offset), let boot = try? kernel.readU64(tk + offsBoot.offset) {
            uptime = mono &+ boot
        }
        var wall: Int64? = nil
        if let xtime = try? kernel.field("struct timekeeper", "xtime_sec") {
            wall = try? kernel.readI64(tk + xtime.offset)
        }
        return (uptime, wall)
    }

    /// crash-style uptime text: `00:00:11` or `2 days, 03:04:05`.
    public static func formatUptime(seconds: UInt64) -> String {
        let days = seconds / 86400, h = (seconds % 86400) / 3600, m = (seconds % 3600) / 60, s = seconds % 60
        func two(_ v: UInt64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let hms = "\(two(h)):\(two(m)):\(two(s))"
        return days > 0 ? "\(days) day\(days == 1 ? "" : "s"), \(hms)" : hms
    }

    /// UTC date text for epoch seconds: `2026-11-28 10:41:10 UTC` (civil-from-days, no Foundation).
    public static func formatDate(epochSeconds t: Int64) -> String {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(secs / 3600)):\(two((secs % 3600) / 60)):\(two(secs % 60)) UTC"
    }
}
