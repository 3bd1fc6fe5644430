import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// `timers` and `hrtimers` through SQL, against truth/tasks.csv and truth/timer_list.txt.
@Suite("timers and hrtimers tables")
struct TimersTablesTests {
    static func database() throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))))
    }

    /// One hrtimer_wakeup per `sleep` process of tasks.csv, expiring N s
    /// (`sleep N` from its cmdline) after its nanosleep() call, which the
    /// run's capture times bound (SleepTruth.softExpiryWindow).
    @Test func hrtimersHoldEverySleepersWakeup() throws {
        let db = try Self.database()
        let sleeps = try SleepTruth.all(set: Fixtures.sysrq)
        let times = try CaptureTimes(set: Fixtures.sysrq)
        #expect(!sleeps.isEmpty)  // the count differs per generated run
        let rows = try db.query("SELECT task_pid, softexpires FROM hrtimers WHERE function = 'hrtimer_wakeup' ORDER BY task_pid")
        #expect(rows.map { $0[0].int64! } == sleeps.map(\.pid).sorted())
        let soft = Dictionary(uniqueKeysWithValues: rows.map { ($0[0].int64!, $0[1].int64!) })
        for s in sleeps {
            let window = s.softExpiryWindow(times)
            let got = try #require(soft[s.pid])
            #expect(window.contains(got), "pid \(s.pid): softexpires \(got) outside \(window)")
        }
    }

    /// timer_list.txt lists the hrtimer_wakeup timers split over the two
    /// CPUs; `cpu = N` returns that CPU's share.
    @Test func hrtimersPerCPUMatchTimerList() throws {
        let db = try Self.database()
        let perCPU = try TimerListTruth(set: Fixtures.sysrq).countPerCPU(function: "hrtimer_wakeup")
        // A generated run's timer_list may list fewer sleepers than tasks.csv
        // (captured before all had queued), so each CPU holds at least what
        // truth lists there, and exactly as many wakeups as sleep processes overall.
        #expect(perCPU.values.reduce(0, +) > 0)
        let sleeps = try SleepTruth.all(set: Fixtures.sysrq)
        #expect(try db.query("SELECT cpu FROM hrtimers WHERE function = 'hrtimer_wakeup'").count == sleeps.count)
        for (c, n) in perCPU {
            let rows = try db.query("SELECT cpu FROM hrtimers WHERE cpu = \(c) AND function = 'hrtimer_wakeup'")
            #expect(rows.count >= n, "CPU \(c)")
            #expect(rows.allSatisfy { $0[0] == .integer(Int64(c)) })
        }
    }

    /// The timer wheel: khungtaskd (truth wchan `watchdog`, hung_task.c's
    /// schedule_timeout loop) has its process_timeout timer, and every
    /// timer's flags name the CPU whose wheel holds it.
    @Test func timersShowKhungtaskdsTimeoutAndSitOnTheirFlagsCPU() throws {
        let db = try Self.database()
        let khungtaskd = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").first { $0["comm"] == "khungtaskd" })
        #expect(try db.query("SELECT function FROM timers WHERE task_pid = \(khungtaskd["pid"]!)") == [[.text("process_timeout")]])
        #expect(try db.query("SELECT count(*) > 0, sum((flags & 262143) != cpu) FROM timers") == [[.integer(1), .integer(0)]])
        #expect(try db.query("SELECT count(*) FROM timers WHERE cpu = 7") == [[.integer(0)]])
    }
}
