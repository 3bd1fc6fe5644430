import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The task walker against the guest's own /proc snapshot (truth/tasks.csv).
@Suite struct TasksTests {
    static func open(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> Tasks {
        try Tasks(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file)))
    }

    struct Row: Equatable { var pid, tgid, ppid: Int64; var comm: String; var uid: Int64; var state: String }

    static func rows(_ tasks: Tasks) throws -> [Int64: Row] {
        var out: [Int64: Row] = [:]
        for t in try tasks.all() {
            let pid = try tasks.pid(t)
            guard pid != 0 else { continue }
            out[pid] = Row(pid: pid, tgid: try tasks.tgid(t), ppid: try tasks.ppid(t), comm: try tasks.comm(t),
                           uid: try tasks.uid(t), state: TaskState.procLetter(code: try tasks.stateCode(t)))
        }
        return out
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func everyUserTaskInTruthAppearsWithTheSameIdentity(file: String) throws {
        let tasks = try Self.open(file)
        let dump = try Self.rows(tasks)
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv")
        var compared = 0
        for r in truth where r["is_kthread"] == "0" {
            let pid = Int64(r["pid"]!)!
            let row = try #require(dump[pid], "pid \(pid) (\(r["comm"]!)) missing from the dump")
            #expect(row.tgid == Int64(r["tgid"]!)!, "tgid of \(pid)")
            #expect(row.ppid == Int64(r["ppid"]!)!, "ppid of \(pid)")
            #expect(row.comm == r["comm"]!, "comm of \(pid)")
            #expect(row.uid == Int64(r["uid"]!)!, "uid of \(pid)")
            // The README: init (pid 1) was running while it wrote the truth and is asleep in the dump.
            if pid != 1 { #expect(row.state == r["state"]!, "state of \(pid) \(row.comm)") }
            compared += 1
        }
        #expect(compared > 0)  // every truth user task was looked up above (a missing one fails its #require)
    }

    @Test func kernelThreadsMatchLooselyByPidAndComm() throws {
        let dump = try Self.rows(try Self.open())
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "1" }
        let matching = truth.filter { dump[Int64($0["pid"]!)!]?.comm == $0["comm"]! }
        // kworkers may be renamed or retired between the snapshot and the panic.
        #expect(matching.count >= truth.count - 5)
    }

    @Test func bashCountIsTruthPlusTheCrasher() throws {
        let tasks = try Self.open()
        let bash = try tasks.all().filter { try tasks.comm($0) == "bash" }.count
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["comm"] == "bash" }.count
        #expect(bash == truth + 1)
        #expect(truth > 0)
    }

    @Test func theCrasherIsActiveOnItsCPU() throws {
        let tasks = try Self.open()
        let active = try tasks.activeTasks()
        let crash = try CrashRecord(set: Fixtures.sysrq)
        let crasherPid = try #require(crash.crasherPid)
        let panicCPU = try #require(crash.panicCPU)
        let crasher = try #require(try tasks.lookup(pid: crasherPid).first)
        #expect(active[panicCPU] == crasher)
        #expect(try tasks.comm(crasher) == "bash")
        #expect(try tasks.stateCode(crasher) == "RU")
    }

    @Test func pidLookupVisitsOneTask() throws {
        let tasks = try Self.open()
        let found = try tasks.lookup(pid: 1)
        #expect(found.count == 1)
        #expect(try tasks.comm(found[0]) == "init")
        #expect(tasks.visited == 1)
        #expect(try tasks.lookup(pid: 99999).isEmpty)
    }

    @Test func threadsOfKdsqlThreadsShareTheLeadersTgid() throws {
        let tasks = try Self.open()
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["comm"] == "kdsql-threads" }
        let leaderPid = try #require(Int64(truth.first?["pid"] ?? ""))
        let leader = try #require(try tasks.lookup(pid: leaderPid).first)
        let threads = try tasks.threads(ofLeader: leader)
        #expect(threads.count == 3)
        #expect(try threads.map { try tasks.comm($0) }.sorted() == ["kdsql-thr-1", "kdsql-thr-2", "kdsql-threads"])
        #expect(try threads.allSatisfy { try tasks.tgid($0) == leaderPid && tasks.uid($0) == 1000 })
    }

    @Test func rssAndVszAgreeWithProcWithinTheCaptureDelay() throws {
        let tasks = try Self.open()
        let counters = try MMCounters(kernel: tasks.kernel)
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv")
        for r in truth where r["is_kthread"] == "0" && r["pid"] != "1" {
            let t = try #require(try tasks.lookup(pid: Int64(r["pid"]!)!).first)
            #expect(try counters.virtualKB(mm: tasks.mm(t)) == Int64(r["vsz_kb"]!)!, "vsz of \(r["pid"]!) \(r["comm"]!)")
            #expect(try counters.rssKB(mm: tasks.mm(t)) == Int64(r["rss_kb"]!)!, "rss of \(r["pid"]!) \(r["comm"]!)")
        }
    }

    @Test func kernelThreadsHaveNoMemoryAndTheKthreadFlag() throws {
        let tasks = try Self.open()
        let kthreadd = try #require(try tasks.lookup(pid: 2).first)
        #expect(try tasks.isKernelThread(kthreadd))
        #expect(try tasks.mm(kthreadd) == 0)
        #expect(try MMCounters(kernel: tasks.kernel).rssKB(mm: 0) == 0)
        #expect(try tasks.comm(kthreadd) == "kthreadd")
    }
}

@Suite struct PidLookupTests {
    /// Every pid the task walk finds is also found through the IDR, and the
    /// lookup returns the same task (the push-down path agrees with the scan).
    @Test func lookupAgreesWithTheWalkForEveryPid() throws {
        let tasks = try Tasks(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")))
        var checked = 0
        for t in try tasks.all() {
            let pid = try tasks.pid(t)
            guard pid != 0 else { continue }
            #expect(try tasks.lookup(pid: pid) == [t], "pid \(pid)")
            checked += 1
        }
        #expect(checked >= 140)
    }
}

@Suite struct IdleTaskTests {
    @Test func everyCPUsIdleTaskHasPidZeroAndNoParent() throws {
        let tasks = try Tasks(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")))
        let idle = try tasks.idleTasks()
        #expect(idle.map(\.cpu) == [0, 1])
        for (cpu, t) in idle {
            #expect(try tasks.pid(t) == 0)
            #expect(try tasks.ppid(t) == 0)
            #expect(try tasks.comm(t) == "swapper/\(cpu)")
        }
    }
}
