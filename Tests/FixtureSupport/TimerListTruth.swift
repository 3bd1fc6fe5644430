/// `truth/timer_list.txt` (/proc/timer_list, read at its "now at" ns): the
/// queued hrtimers per CPU. The shared fixtures' copy has a few lines spliced
/// from two reads, so only well-formed pieces are used: `cpu: N`,
/// `<...>, function, S:..`, `expires at SOFT-HARD nsecs`, `jiffies:` and
/// `.offset:`.
public struct TimerListTruth {
    public struct Entry: Hashable, Sendable {
        public var cpu: Int
        public var function: String
        public var soft: Int64
        public var hard: Int64
        public init(cpu: Int, function: String, soft: Int64, hard: Int64) {
            self.cpu = cpu; self.function = function; self.soft = soft; self.hard = hard
        }
    }
    public private(set) var entries: [Entry] = []
    /// CLOCK_MONOTONIC when the file was generated.
    public private(set) var now: Int64 = 0
    /// The `jiffies:` lines (one per CPU's tick section, printed ms apart).
    public private(set) var jiffiesLines: [UInt64] = []
    public var jiffies: UInt64 { jiffiesLines.first ?? 0 }
    /// Every clock base's `.offset:` (0 for MONOTONIC, wall time for REALTIME...).
    public private(set) var offsets: Set<Int64> = []

    public init(set: String) throws {
        var cpu = -1
        var function = ""
        for line in try Fixtures.truth(set, "timer_list.txt").split(separator: "\n") {
            if line.hasPrefix("cpu: "), let c = Int(line.dropFirst(5)) { cpu = c }
            if line.hasPrefix("now at "), let v = Int64(line.dropFirst(7).prefix { $0.isNumber }) { now = v }
            if line.hasPrefix("jiffies: "), let v = UInt64(line.dropFirst(9)) { jiffiesLines.append(v) }
            if let rest = Self.after(line, ".offset:") {
                if let v = Int64(rest.drop { $0 == " " }.prefix { $0.isNumber }) { offsets.insert(v) }
            }
            if let rest = Self.after(line, ">, "), let end = rest.firstIndex(of: ",") {
                function = String(rest[..<end])
            }
            if let rest = Self.after(line, "expires at ") {
                let pair = rest.prefix { $0.isNumber || $0 == "-" }.split(separator: "-")
                if pair.count == 2, let s = Int64(pair[0]), let h = Int64(pair[1]) {
                    entries.append(Entry(cpu: cpu, function: function, soft: s, hard: h))
                }
            }
        }
    }

    /// How many timers calling `function` each CPU had queued.
    public func countPerCPU(function: String) -> [Int: Int] {
        entries.filter { $0.function == function }.reduce(into: [:]) { $0[$1.cpu, default: 0] += 1 }
    }

    static func after(_ line: Substring, _ marker: String) -> Substring? {
        let parts = line.split(separator: marker, maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? parts[1] : nil
    }
}

/// A `sleep N` process of truth/tasks.csv and when its timer can expire.
public struct SleepTruth: Sendable {
    public var pid: Int64
    public var seconds: Int64
    /// start_time_ticks at USER_HZ 100, in ns (the fork, truncated to 10 ms).
    public var startNs: Int64
    /// Truth's wchan: `hrtimer_nanosleep` once the timer is armed.
    public var wchan: String

    public static func all(set: String) throws -> [SleepTruth] {
        try Fixtures.truthCSV(set, "tasks.csv").filter { $0["comm"] == "sleep" }.map { r in
            let words = r["cmdline"]!.split(separator: " ")
            return SleepTruth(pid: Int64(r["pid"]!)!, seconds: Int64(words[1])!,
                              startNs: Int64(r["start_time_ticks"]!)! * 10_000_000, wchan: r["wchan"] ?? "")
        }
    }

    /// hrtimer_nanosleep() arms the timer at its call's CLOCK_MONOTONIC + N s
    /// (the soft expiry). The call comes after the fork, and before the task
    /// snapshot when truth already saw the task waiting there (otherwise
    /// before the panic). /proc/uptime is that clock here (no suspend in the
    /// guest), so the bounds come from the run's own uptime.txt: under a slow
    /// TCG boot exec() alone can take more than a second.
    public func softExpiryWindow(_ times: CaptureTimes) -> ClosedRange<Int64> {
        let armedBy = wchan == "hrtimer_nanosleep" ? times.afterTasks : (times.panic ?? times.end)
        let latest = Int64(((armedBy + CaptureTimes.resolution) * 1e9).rounded(.up))
        return (startNs + seconds * 1_000_000_000)...(latest + seconds * 1_000_000_000)
    }
}
