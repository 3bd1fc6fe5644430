import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Which tasks the per-process tables visit.
@Suite struct ProcessScopeTests {
    static func open() throws -> Tasks {
        try Tasks(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")))
    }

    @Test func byDefaultEveryUserProcessOnceWithTheCrasher() throws {
        let tasks = try Self.open()
        let pids = try ProcessScope(tasks: tasks).all().map { try tasks.pid($0) }
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "0" && $0["pid"] == $0["tgid"] }
        // The README: the crasher (truth/crash.txt's crasher_pid) is the one user process not in the snapshot.
        let crasher = try #require(try CrashRecord(set: Fixtures.sysrq).crasherPid)
        #expect(!truth.contains { $0["pid"] == String(crasher) })
        #expect(truth.count > 10)
        #expect(Set(pids) == Set(truth.map { Int64($0["pid"]!)! } + [crasher]))
        #expect(pids.count == Set(pids).count)
    }

    @Test func includeThreadsAddsTheThreadsOfKdsqlThreads() throws {
        let tasks = try Self.open()
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv")
        let leader = try #require(truth.first { $0["comm"] == "kdsql-threads" })
        let pid = Int64(leader["pid"]!)!
        let threads = try ProcessScope(tasks: tasks, pid: pid, includeThreads: true).all()
        #expect(try threads.map { try tasks.pid($0) }.sorted() == truth.filter { $0["tgid"] == leader["pid"] }.map { Int64($0["pid"]!)! }.sorted())
        #expect(try ProcessScope(tasks: tasks, pid: pid).all().count == 1)
    }

    @Test func aPidConstraintVisitsOnlyThatTask() throws {
        let tasks = try Self.open()
        let found = try ProcessScope(tasks: tasks, pid: 1).all()
        #expect(found.count == 1)
        #expect(tasks.visited == 1)
    }

    @Test func aThreadIdIsNotAProcess() throws {
        let tasks = try Self.open()
        let thread = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").first { $0["pid"] != $0["tgid"] })
        #expect(try ProcessScope(tasks: tasks, pid: Int64(thread["pid"]!)!).all().isEmpty)
    }
}
