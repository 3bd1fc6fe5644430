import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Run queues against the crash each fixture's truth/crash.txt describes (bash
/// panicking in the sysrq set; insmod oopsing in the Oops set; pids and CPUs
/// differ per run) and against the task list's own on_rq/cpu fields.
@Suite struct RunQueuesTests {
    @Test(arguments: Fixtures.sysrqDumps)
    func theCrashingBashIsCurrentOnThePanickingCPU(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let rq = try RunQueues(kernel: kernel)
        let facts = try TruthFacts.of(Fixtures.sysrq)
        let cpu1 = try rq.entries(cpu: facts.panicCPU)
        let current = try #require(cpu1.first)
        #expect(current.isCurrent)
        #expect(current.pid == facts.panicPid)
        #expect(current.comm == "bash")
        #expect(current.schedClass == "fair")
        #expect(current.vruntime != nil)
        #expect(cpu1.filter(\.isCurrent).count == 1)
    }

    @Test func theOopsingInsmodIsCurrentOnTheOopsingCPU() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"))
        let facts = try TruthFacts.of(Fixtures.oops)
        let current = try #require(try RunQueues(kernel: kernel).entries(cpu: facts.panicCPU).first { $0.isCurrent })
        #expect(current.pid == facts.panicPid)
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
        let cpus = try RunQueues(kernel: kernel, tasks: tasks).cpus()
        // truth/crash.txt of this run: the panicking CPU, its pid and the panic uptime.
        let facts = try TruthFacts.of(Fixtures.sysrq)
        let panicUptime = try #require(facts.values["panic_uptime"].flatMap(Double.init))
        #expect(cpus.map(\.cpu) == [0, 1])
        #expect(cpus.map(\.isOnline) == [0, 1].map { $0 == facts.panicCPU })
        let panicking = try #require(cpus.first { $0.cpu == facts.panicCPU })
        #expect(try tasks.pid(panicking.current) == facts.panicPid)
        #expect(try tasks.comm(cpus[0].idle) == "swapper/0")
        #expect(try tasks.comm(cpus[1].idle) == "swapper/1")
        for c in cpus { #expect(abs(Double(c.clock) / 1e9 - panicUptime) < 0.5, "CPU \(c.cpu) clock \(c.clock)") }
    }
}
