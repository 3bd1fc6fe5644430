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

    /// One hrtimer_wakeup per `sleep` process of tasks.csv, expiring about
    /// start_time + N seconds (`sleep N` from its cmdline).
    @Test func hrtimersHoldEverySleepersWakeup() throws {
        let db = try Self.database()
        let sleeps = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["comm"] == "sleep" }
        #expect(!sleeps.isEmpty)  // the count differs per generated run
        let rows = try db.query("SELECT task_pid, softexpires FROM hrtimers WHERE function = 'hrtimer_wakeup' ORDER BY task_pid")
        #expect(rows.map { $0[0].int64! } == sleeps.map { Int64($0["pid"]!)! }.sorted())
        let soft = Dictionary(uniqueKeysWithValues: rows.map { ($0[0].int64!, $0[1].int64!) })
        for s in sleeps {
            let seconds = Int64(s["cmdline"]!.split(separator: " ")[1])!
            let expected = Int64(s["start_time_ticks"]!)! * 10_000_000 + seconds * 1_000_000_000
            let lag = try #require(soft[Int64(s["pid"]!)!]) - expected
            #expect(lag >= 0 && lag < 1_000_000_000, "pid \(s["pid"]!)")
        }
    }

    /// timer_list.txt lists 41 hrtimer_wakeup timers split over the two
    /// CPUs; `cpu = N` returns that CPU's share.
    @Test func hrtimersPerCPUMatchTimerList() throws {
        let db = try Self.database()
        var cpu = -1, function = "", perCPU: [Int: Int] = [:]
        for line in try Fixtures.truth(Fixtures.sysrq, "timer_list.txt").split(separator: "\n") {
            if line.hasPrefix("cpu: "), let c = Int(line.dropFirst(5)) { cpu = c }
            if line.contains(">, ") { function = String(line.split(separator: ">, ").last!.prefix { $0 != "," }) }
            if line.contains("expires at "), function == "hrtimer_wakeup" { perCPU[cpu, default: 0] += 1 }
        }
        // A generated run's timer_list may list fewer sleepers than tasks.csv
        // (captured before all had queued), so each CPU holds at least what
        // truth lists there, and exactly as many wakeups as sleep processes overall.
        #expect(perCPU.values.reduce(0, +) > 0)
        let sleeps = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["comm"] == "sleep" }
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
