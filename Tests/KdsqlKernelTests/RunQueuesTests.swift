import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Run queues against the crash the README describes (bash pid 212 panicking
/// on CPU 1; insmod pid 213 oopsing on CPU 0 in the Oops fixture) and against
/// the task list's own on_rq/cpu fields.
@Suite struct RunQueuesTests {
    @Test(arguments: Fixtures.sysrqDumps)
    func theCrashingBashIsCurrentOnCPU1(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let facts = try CrashRecord(set: Fixtures.sysrq)
        let panicCPU = try #require(facts.panicCPU)
        let panicPID = try #require(facts.panicPid)
        let rq = try RunQueues(kernel: kernel)
        let cpu1 = try rq.entries(cpu: panicCPU)
        let current = try #require(cpu1.first)
        #expect(current.isCurrent)
        #expect(current.pid == panicPID)
        #expect(current.comm == facts.panicComm)
        #expect(current.schedClass == "fair")
        #expect(current.vruntime != nil)
        #expect(cpu1.filter(\.isCurrent).count == 1)
    }

    @Test func theOopsingInsmodIsCurrentOnCPU0() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"))
        let facts = try CrashRecord(set: Fixtures.oops)
        let oopsCPU = try #require(facts.panicCPU)
        let oopsPID = try #require(facts.panicPid)
        let current = try #require(try RunQueues(kernel: kernel).entries(cpu: oopsCPU).first { $0.isCurrent })
        #expect(current.pid == oopsPID)
        #expect(current.comm == "insmod")
    }

    /// Each CPU's current row is rq->curr as the task walker sees it, and every
    /// non-idle task whose on_rq says queued is on the run queue of its cpu —
    /// and nothing else is.
    @Test func runQueuesHoldExactlyTheQueuedTasksOfTheTaskList() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let tasks = try Tasks(kernel: kernel)
        let rq = try RunQueues(kernel: kernel, tasks: tasks)
        let rows = try rq.all()
        let active = try tasks.activeTasks()
        for (cpu, task) in active {
            #expect(rows.first { $0.cpu == cpu && $0.isCurrent }?.task == task, "CPU \(cpu)")
        }
        let onRq = try kernel.field("struct task_struct", "on_rq")
        var queued: Set<[Int64]> = []
        for t in try tasks.all() where try tasks.pid(t) != 0 && kernel.readUnsigned(t, onRq) == RunQueues.taskOnRqQueued {
            queued.insert([try tasks.pid(t), try tasks.cpu(t)])
        }
        let found = Set(rows.filter { $0.schedClass != "idle" }.map { [$0.pid, Int64($0.cpu)] })
        #expect(!queued.isEmpty)
        #expect(found == queued)
    }

    /// rq->nr_running counts every queued task of every class but idle
    /// (add_nr_running() in enqueue_task), so it equals the rows per CPU.
    @Test func nrRunningEqualsTheNonIdleRowsPerCPU() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let rq = try RunQueues(kernel: kernel)
        let rows = try rq.all()
        for c in try rq.cpus() {
            #expect(Int(c.nrRunning) == rows.filter { $0.cpu == c.cpu && $0.schedClass != "idle" }.count, "CPU \(c.cpu)")
        }
    }

    /// The panicking CPU stays online; panic() takes the others offline
    /// (README: "the online mask of a crashed kernel shows only the panicking CPU").
    /// The rq clocks are sched_clock times around the panic (11.120891 s).
    @Test func cpusShowTheCrasherTheOnlineMaskAndClocksAtThePanic() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let tasks = try Tasks(kernel: kernel)
        let facts = try CrashRecord(set: Fixtures.sysrq)
        let panicCPU = try #require(facts.panicCPU)
        let panicUptime = try #require(facts.panicUptime)
        let panicPID = try #require(facts.panicPid)
        let cpus = try RunQueues(kernel: kernel, tasks: tasks).cpus()
        #expect(cpus.map(\.cpu) == [0, 1])
        #expect(cpus.map(\.isOnline) == [0, 1].map { $0 == panicCPU })
        #expect(try tasks.pid(cpus[panicCPU].current) == panicPID)
        #expect(try tasks.comm(cpus[0].idle) == "swapper/0")
        #expect(try tasks.comm(cpus[1].idle) == "swapper/1")
        for c in cpus { #expect(abs(Double(c.clock) / 1e9 - panicUptime) < 0.5, "CPU \(c.cpu) clock \(c.clock)") }
    }
}
