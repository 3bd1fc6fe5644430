import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The resolved-once pid index answers exactly like Tasks.lookup.
@Suite struct PidIndexTests {
    @Test func everyTruthPidResolvesToTheSameTaskAsTasksLookup() throws {
        let tasks = try Tasks(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")))
        let index = try PidIndex(tasks: tasks)
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "0" }
        for r in truth {
            let pid = Int64(r["pid"]!)!
            let task = try #require(try index.task(pid: pid), "pid \(pid)")
            #expect(try tasks.lookup(pid: pid).first == task)
            #expect(try tasks.pid(task) == pid)
        }
        #expect(index.lookups == truth.count)
        #expect(try index.task(pid: 99999) == nil)
        #expect(try index.task(pid: 0) == nil)
    }
}
