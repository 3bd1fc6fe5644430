import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Scheduler times against /proc/PID/schedstat and /proc/PID/sched
/// (truth/schedstat.csv).
@Suite struct SchedTimesTests {
    /// The workload's processes slept from before the capture until the
    /// crash, so their times did not move: every field is exact.
    @Test(arguments: Fixtures.viewsSets) func sleepingWorkloadTasksHaveTheirSchedstatExactly(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let reader = try SchedTimesReader(kernel: kernel)
        var compared = 0
        for r in try Fixtures.truthCSV(set, "schedstat.csv") where r["comm"]!.hasPrefix("kdsql-") {
            guard let t = try tasks.lookup(pid: Int64(r["pid"]!)!).first else { continue }
            let s = try reader.times(task: t)
            let who = "pid \(r["pid"]!) \(r["comm"]!)"
            #expect(s.sumExecRuntime == UInt64(r["sum_exec_runtime_ns"]!)!, "\(who) sum_exec_runtime")
            #expect(s.runDelay == UInt64(r["run_delay_ns"]!)!, "\(who) run_delay")
            #expect(s.pcount == UInt64(r["pcount"]!)!, "\(who) pcount")
            #expect(s.execStart == UInt64(r["exec_start_ns"]!)!, "\(who) exec_start")
            compared += 1
        }
        #expect(compared >= 15)
    }

    /// Every task's times only grew since the capture, and a task that ran
    /// arrived on a CPU no later than the crash.
    @Test(arguments: Fixtures.viewsSets) func everyTasksTimesGrewSinceTheCapture(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let reader = try SchedTimesReader(kernel: kernel)
        var compared = 0
        for r in try Fixtures.truthCSV(set, "schedstat.csv") {
            guard let t = try tasks.lookup(pid: Int64(r["pid"]!)!).first, try tasks.comm(t) == r["comm"] else { continue }
            let s = try reader.times(task: t)
            #expect(s.sumExecRuntime >= UInt64(r["sum_exec_runtime_ns"]!)!, "pid \(r["pid"]!)")
            #expect((s.pcount ?? 0) >= UInt64(r["pcount"]!)!, "pid \(r["pid"]!)")
            compared += 1
        }
        // Only the capture's own short-lived commands are gone by the crash:
        // nearly every task of the truth must have been compared.
        #expect(compared > 130, "compared \(compared)")
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelHasSchedInfo(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let tasks = try Tasks(kernel: kernel)
        let reader = try SchedTimesReader(kernel: kernel)
        let pid1 = try #require(try tasks.lookup(pid: 1).first)
        let s = try reader.times(task: pid1)
        #expect(s.sumExecRuntime > 0 && (s.pcount ?? 0) > 0 && s.lastArrival != nil && s.execStart > 0)
    }
}
