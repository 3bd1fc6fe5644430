import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// truth/timer_list.txt (/proc/timer_list, read at "now at" ns): the queued
/// hrtimers per CPU. The serial capture interleaves some lines, so only the
/// well-formed pieces are used: `cpu: N`, `<...>, function, S:..` and
/// `expires at SOFT-HARD nsecs`.
struct TimerListTruth {
    struct Entry: Hashable { var cpu: Int; var function: String; var soft: Int64; var hard: Int64 }
    var entries: [Entry] = []
    var now: Int64 = 0
    /// The `jiffies:` lines (one per CPU's tick section, printed ms apart).
    var jiffiesLines: [UInt64] = []
    var jiffies: UInt64 { jiffiesLines.first ?? 0 }
    var offsets: Set<Int64> = []

    init() throws {
        var cpu = -1
        var function = ""
        for line in try Fixtures.truth(Fixtures.sysrq, "timer_list.txt").split(separator: "\n") {
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

    static func after(_ line: Substring, _ marker: String) -> Substring? {
        let parts = line.split(separator: marker, maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? parts[1] : nil
    }
}

/// Which truth tasks are `sleep N` processes, and when they started.
struct SleepTruth {
    var pid: Int64
    var seconds: Int64
    /// start_time_ticks at USER_HZ 100, in ns.
    var startNs: Int64

    static func all() throws -> [SleepTruth] {
        try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["comm"] == "sleep" }.map { r in
            let words = r["cmdline"]!.split(separator: " ")
            return SleepTruth(pid: Int64(r["pid"]!)!, seconds: Int64(words[1])!, startNs: Int64(r["start_time_ticks"]!)! * 10_000_000)
        }
    }
}

@Suite struct HRTimersTests {
    static func open(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> (Kernel, HRTimers) {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        return (kernel, try HRTimers(kernel: kernel))
    }

    /// Every `sleep N` of tasks.csv sleeps in hrtimer_nanosleep on an
    /// hrtimer_sleeper whose soft expiry is its start + N s (it called
    /// nanosleep within a second of being forked).
    @Test func eachSleepProcessHasOneWakeupTimerAtItsStartPlusItsDuration() throws {
        let (kernel, hr) = try Self.open()
        let tasks = try Tasks(kernel: kernel)
        let sleeps = try SleepTruth.all()
        // The count differs per generated run; the truth's own list is the expectation.
        #expect(!sleeps.isEmpty)
        var byPid: [Int64: [HRTimer]] = [:]
        for t in try hr.all() {
            if let task = hr.sleeper(t) { byPid[try tasks.pid(task), default: []].append(t) }
        }
        for s in sleeps {
            let timers = byPid[s.pid] ?? []
            try #require(timers.count == 1, "pid \(s.pid): \(timers.count) wakeup timers")
            let t = timers[0]
            #expect(t.clockBase == "MONOTONIC")
            let lag = t.softExpires - (s.startNs + s.seconds * 1_000_000_000)
            #expect(lag >= 0 && lag < 1_000_000_000, "pid \(s.pid): soft expiry \(t.softExpires) vs start \(s.startNs) + \(s.seconds) s")
            #expect(t.expires >= t.softExpires)
            #expect(kernel.symbols.describe(t.function) == "hrtimer_wakeup")
        }
    }

    /// The 41 sleepers were queued when /proc/timer_list was read and are
    /// still queued at the crash: same CPU, same soft and hard expiry, to the ns.
    @Test(arguments: Fixtures.sysrqDumps)
    func wakeupTimersOfTimerListAreQueuedWithTheSameExpiries(file: String) throws {
        let (kernel, hr) = try Self.open(file)
        let truth = try TimerListTruth().entries.filter { $0.function == "hrtimer_wakeup" }
        // A generated run's timer_list may have been captured before every
        // sleeper had queued its timer, so it can list fewer than tasks.csv
        // has sleep processes: check every timer truth has, and that it has some.
        #expect(!truth.isEmpty)
        #expect(truth.count <= (try SleepTruth.all()).count)
        let dump = Set(try hr.all().map {
            TimerListTruth.Entry(cpu: $0.cpu, function: kernel.symbols.describe($0.function) ?? "", soft: $0.softExpires, hard: $0.expires)
        })
        for e in truth { #expect(dump.contains(e), "\(e) not in the dump") }
    }

    /// timerqueue_add() orders the rbtree by node.expires, so an in-order
    /// walk (RBTree) yields each base's timers by expiry.
    @Test func eachBaseListsItsTimersInExpiryOrder() throws {
        let (_, hr) = try Self.open()
        let timers = try hr.all()
        #expect(timers.count >= (try SleepTruth.all()).count)
        for (a, b) in zip(timers, timers.dropFirst()) where a.cpu == b.cpu && a.clockBase == b.clockBase {
            #expect(a.expires <= b.expires)
        }
    }

    @Test func realtimeOffsetEqualsTimerListsAndMonotonicHasNone() throws {
        let (_, hr) = try Self.open()
        let truthOffsets = try TimerListTruth().offsets
        let real = try #require(hr.baseNames.first { $0.value == "REALTIME" }?.key)
        let mono = try #require(hr.baseNames.first { $0.value == "MONOTONIC" }?.key)
        let realOffset = try hr.offset(cpu: 0, base: real)
        #expect(truthOffsets == [0, realOffset])
        #expect(try hr.offset(cpu: 1, base: mono) == 0)
    }

    /// expires_in is measured from the timekeeper's monotonic clock, which is
    /// after the truth capture (timer_list's "now at") and not after the panic
    /// (truth/crash.txt panic_uptime).
    @Test func monotonicNowLiesBetweenTheTruthSnapshotAndThePanic() throws {
        let (_, hr) = try Self.open()
        let now = try #require(hr.monotonicNow)
        #expect(now > (try TimerListTruth().now))
        let panicUptime = try #require(try CrashRecord(set: Fixtures.sysrq).panicUptime)
        #expect(Double(now) <= panicUptime * 1e9)
        for t in try hr.all() { #expect(t.expiresIn == t.expires - now - (try hr.offset(cpu: t.cpu, base: try #require(hr.baseNames.first { $0.value == t.clockBase }?.key)))) }
    }
}

@Suite struct TimerWheelTests {
    static func open() throws -> (Kernel, TimerWheel) {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        return (kernel, try TimerWheel(kernel: kernel))
    }

    /// internal_add_timer() stores the wheel index in the flags, and a
    /// timer's flags name the CPU of the base it is queued on; deferrable
    /// timers go to BASE_DEF (kernel/time/timer.c get_timer_cpu_base()).
    @Test func everyTimerSitsWhereItsFlagsSay() throws {
        let (_, wheel) = try Self.open()
        #expect(wheel.baseNames == ["BASE_STD", "BASE_DEF"])
        let timers = try wheel.all()
        #expect(Set(timers.map(\.cpu)) == [0, 1])
        for t in timers {
            #expect(t.flagsCPU == t.cpu, "timer 0x\(String(t.timer, radix: 16))")
            #expect(t.flagsBucket == t.bucket)
            #expect(t.isDeferrable == (t.base == "BASE_DEF"))
        }
    }

    /// Kernel threads that truth shows sleeping in timed waits are found
    /// through their process_timeout timers, with their truth comm and pid.
    @Test func processTimeoutTimersBelongToTruthsSleepingKernelThreads() throws {
        let (kernel, wheel) = try Self.open()
        let tasks = try Tasks(kernel: kernel)
        let truth = Dictionary(uniqueKeysWithValues: try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").map { (Int64($0["pid"]!)!, $0) })
        var sleepers: [String] = []
        for t in try wheel.all() {
            guard let task = wheel.sleepingTask(t) else { continue }
            let pid = try tasks.pid(task)
            let row = try #require(truth[pid], "pid \(pid) not in truth")
            #expect(try tasks.comm(task) == row["comm"]!)
            #expect(["S", "I", "D"].contains(row["state"]!))
            sleepers.append(row["comm"]!)
        }
        // hung_task.c watchdog() and kcompactd() sleep in schedule_timeout();
        // truth's wchan for them is `watchdog` and `kcompactd`.
        for comm in ["khungtaskd", "kcompactd0"] { #expect(sleepers.contains(comm)) }
    }

    /// jiffies advanced by HZ (config: 250) per second between the truth's
    /// timer_list snapshot and the timekeeper's last update. /proc/timer_list
    /// is generated page by page: its `now at` and its two `jiffies:` lines
    /// were read tens of ms apart (the two jiffies lines differ by
    /// `spread`), so the agreement is within twice that spread.
    @Test func dumpJiffiesAgreeWithTimerListAtHZ250() throws {
        let (kernel, wheel) = try Self.open()
        let truth = try TimerListTruth()
        #expect(truth.jiffiesLines.count == 2)
        let spread = Double(truth.jiffiesLines.max()! - truth.jiffiesLines.min()!)
        let now = try #require(try HRTimers(kernel: kernel).monotonicNow)
        let expected = Double(now - truth.now) / 1e9 * 250
        #expect(abs(Double(wheel.jiffies - truth.jiffies) - expected) <= 2 * spread)
    }

    @Test func delayedWorkTimersNameTheirWorkFunctions() throws {
        let (kernel, wheel) = try Self.open()
        var works = 0
        for t in try wheel.all() {
            guard let fn = wheel.delayedWorkFunction(t) else { continue }
            let s = try #require(kernel.symbols.symbolize(fn))
            #expect(s.offset == 0, "work function \(s.symbol.name)+\(s.offset)")
            works += 1
        }
        #expect(works > 0)
    }
}
