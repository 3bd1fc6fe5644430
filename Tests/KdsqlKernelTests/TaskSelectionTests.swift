import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Which tasks the per-task tables visit.
@Suite struct TaskSelectionTests {
    static func open() throws -> KernelSession {
        KernelSession(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")))
    }

    static func all(_ session: KernelSession, _ selection: TaskSelection) throws -> [UInt64] {
        var it = try session.select(selection)
        return try it.all()
    }

    @Test func processesAreEveryUserProcessOnceWithTheCrasher() throws {
        let session = try Self.open()
        let tasks = try session.tasks()
        let pids = try Self.all(session, .processes()).map { try tasks.pid($0) }
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "0" && $0["pid"] == $0["tgid"] }
        // The README: the crasher (truth/crash.txt's crasher_pid) is the one user process not in the snapshot.
        let crasher = try #require(try CrashRecord(set: Fixtures.sysrq).crasherPid)
        #expect(!truth.contains { $0["pid"] == String(crasher) })
        #expect(truth.count > 10)
        #expect(Set(pids) == Set(truth.map { Int64($0["pid"]!)! } + [crasher]))
        #expect(pids.count == Set(pids).count)
    }

    @Test func everyTaskWithoutConstraints() throws {
        let session = try Self.open()
        #expect(try Self.all(session, TaskSelection()) == (try session.tasks().all()))
    }

    @Test func includeThreadsAddsTheThreadsOfKdsqlThreads() throws {
        let session = try Self.open()
        let tasks = try session.tasks()
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv")
        let leader = try #require(truth.first { $0["comm"] == "kdsql-threads" })
        let pid = Int64(leader["pid"]!)!
        let threads = try Self.all(session, .processes(pid: pid, includeThreads: true))
        #expect(try threads.map { try tasks.pid($0) }.sorted() == truth.filter { $0["tgid"] == leader["pid"] }.map { Int64($0["pid"]!)! }.sorted())
        #expect(try Self.all(session, .processes(pid: pid)).count == 1)
    }

    @Test func aProcessIsFoundThroughThePidIndexNotAWalk() throws {
        let session = try Self.open()
        let found = try Self.all(session, .processes(pid: 1))
        #expect(found.count == 1)
        #expect(try session.pidIndex().lookups == 1)
        #expect(try session.tasks().visited == 0, "no walk of the task list")
    }

    @Test func aThreadIdIsNotAProcess() throws {
        let session = try Self.open()
        let thread = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").first { $0["pid"] != $0["tgid"] })
        #expect(try Self.all(session, .processes(pid: Int64(thread["pid"]!)!)).isEmpty)
        #expect(try Self.all(session, TaskSelection(thread: Int64(thread["pid"]!)!)).count == 1)
    }

    @Test func threadZeroIsEveryIdleTask() throws {
        let session = try Self.open()
        let idle = try session.tasks().idleTasks().map(\.task)
        #expect(idle.count == (try session.kernel.possibleCPUs().count))
        #expect(try Self.all(session, TaskSelection(thread: 0)) == idle)
        #expect(try Self.all(session, TaskSelection(thread: 0, idleTasks: false)).isEmpty)
    }

    @Test func aCPUSelectsTheTaskRunningThere() throws {
        let session = try Self.open()
        let active = try session.tasks().activeTasks()
        for (cpu, task) in active {
            #expect(try Self.all(session, TaskSelection(cpu: Int64(cpu))) == [task])
        }
        #expect(try Self.all(session, TaskSelection(cpu: 4096)).isEmpty)
    }

    @Test func anAddressThatIsNoTaskSelectsNothing() throws {
        let session = try Self.open()
        let initTask = try session.tasks().initTask
        #expect(try Self.all(session, TaskSelection(task: initTask)) == [initTask])
        #expect(try Self.all(session, TaskSelection(task: initTask + 8)).isEmpty)
    }
}

extension TaskSelectionTests {
    /// tasks.tgid of the idle tasks is 0, so `WHERE tgid = 0` must find them.
    @Test func processZeroIsTheIdleTasks() throws {
        let session = try Self.open()
        let idle = try session.tasks().idleTasks().map(\.task)
        #expect(try Self.all(session, TaskSelection(process: 0)) == idle)
    }
}
