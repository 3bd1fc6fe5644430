import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

@Suite struct HRTimersTests {
    static func open(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> (Kernel, HRTimers) {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        return (kernel, try HRTimers(kernel: kernel))
    }

    /// Every `sleep N` of tasks.csv sleeps in hrtimer_nanosleep on an
    /// hrtimer_sleeper whose soft expiry is N s after its nanosleep() call,
    /// which the run's own capture times bound (SleepTruth.softExpiryWindow).
    @Test func eachSleepProcessHasOneWakeupTimerAtItsStartPlusItsDuration() throws {
        let (kernel, hr) = try Self.open()
        let tasks = try Tasks(kernel: kernel)
        let sleeps = try SleepTruth.all(set: Fixtures.sysrq)
        let times = try CaptureTimes(set: Fixtures.sysrq)
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
            let window = s.softExpiryWindow(times)
            #expect(window.contains(t.softExpires), "pid \(s.pid): soft expiry \(t.softExpires) outside \(window)")
            #expect(t.expires >= t.softExpires)
            #expect(kernel.symbols.describe(t.function) == "hrtimer_wakeup")
        }
    }

    /// The 41 sleepers were queued when /proc/timer_list was read and are
    /// still queued at the crash: same CPU, same soft and hard expiry, to the ns.
    @Test(arguments: Fixtures.sysrqDumps)
    func wakeupTimersOfTimerListAreQueuedWithTheSameExpiries(file: String) throws {
        let (kernel, hr) = try Self.open(file)
        let truth = try TimerListTruth(set: Fixtures.sysrq).entries.filter { $0.function == "hrtimer_wakeup" }
        // A generated run's timer_list may have been captured before every
        // sleeper had queued its timer, so it can list fewer than tasks.csv
        // has sleep processes: check every timer truth has, and that it has some.
        #expect(!truth.isEmpty)
        #expect(truth.count <= (try SleepTruth.all(set: Fixtures.sysrq)).count)
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
        #expect(timers.count >= (try SleepTruth.all(set: Fixtures.sysrq)).count)
        for (a, b) in zip(timers, timers.dropFirst()) where a.cpu == b.cpu && a.clockBase == b.clockBase {
            #expect(a.expires <= b.expires)
        }
    }

    @Test func realtimeOffsetEqualsTimerListsAndMonotonicHasNone() throws {
        let (_, hr) = try Self.open()
        let truthOffsets = try TimerListTruth(set: Fixtures.sysrq).offsets
        let real = try #require(hr.baseNames.first { $0.value == "REALTIME" }?.key)
        let mono = try #require(hr.baseNames.first { $0.value == "MONOTONIC" }?.key)
        let realOffset = try hr.offset(cpu: 0, base: real)
        #expect(truthOffsets == [0, realOffset])
        #expect(try hr.offset(cpu: 1, base: mono) == 0)
    }

    /// expires_in is measured from the timekeeper's monotonic clock as the
    /// dump caught it. The crasher read /proc/uptime (the same clock, live)
    /// just before `echo c`, and the timekeeper's base trails the live clock
    /// by at most one tick (4 ms at HZ 250), so it is not before that read.
    /// panic()'s final loop runs with interrupts on, so the clock keeps
    /// ticking until QEMU takes the dump, which make-dump and the shared
    /// fixtures' tools do within seconds of the console's panic line: 10 s
    /// is the upper bound.
    @Test func monotonicNowLiesBetweenTheCrashersLastUptimeAndTheDump() throws {
        let (_, hr) = try Self.open()
        let now = try #require(hr.monotonicNow)
        let times = try CaptureTimes(set: Fixtures.sysrq)
        let crasherStart = try #require(times.crasherStart)
        let panic = try #require(times.panic)
        #expect(now > (try TimerListTruth(set: Fixtures.sysrq).now))
        #expect(Double(now) >= (crasherStart - 0.004) * 1e9, "monotonic now \(now) before the crasher's uptime \(crasherStart)")
        #expect(Double(now) <= (panic + 10) * 1e9, "monotonic now \(now) long after the panic at \(panic)")
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
    /// can be read ms apart (the two jiffies lines differ by `spread`), and
    /// each end counts whole ticks, so the agreement is within twice that
    /// spread plus one tick per end.
    @Test func dumpJiffiesAgreeWithTimerListAtHZ250() throws {
        let (kernel, wheel) = try Self.open()
        let truth = try TimerListTruth(set: Fixtures.sysrq)
        #expect(truth.jiffiesLines.count == 2)  // one per CPU
        let spread = Double(truth.jiffiesLines.max()! - truth.jiffiesLines.min()!)
        let now = try #require(try HRTimers(kernel: kernel).monotonicNow)
        let expected = Double(now - truth.now) / 1e9 * 250
        #expect(abs(Double(wheel.jiffies - truth.jiffies) - expected) <= 2 * spread + 2)
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
