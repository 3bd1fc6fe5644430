import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// System V IPC objects against /proc/sysvipc/{shm,sem,msg}, read in the
/// initial IPC namespace (`root`) and in kdsql-utsns' own one.
@Suite struct SysVIPCTests {
    static func open(_ set: String) throws -> (SysVIPC, [String: UInt64]) {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let ipc = try SysVIPC(kernel: kernel)
        let spaces = try ipc.namespaceAddresses(tasks: try tasks.all())
        // Truth names: `root` is init_ipc_ns, `kdsql-utsns` is the one of kdsql-utsns (ns-pids.txt).
        let utsTask = try #require(try tasks.lookup(pid: try ViewsWorkload(set).utsnsPid).first)
        let utsIpc = try #require(try Namespaces(kernel: kernel).of(task: utsTask).first { $0.type == "ipc" }).address
        #expect(spaces.count == 2 && spaces.contains(utsIpc))
        return (ipc, ["root": spaces[0], "kdsql-utsns": utsIpc])
    }

    @Test(arguments: Fixtures.viewsSets) func sharedMemorySegmentsMatchProcSysvipcShm(set: String) throws {
        let (ipc, spaces) = try Self.open(set)
        let truth = try Fixtures.truthCSV(set, "ipc_shm.csv")
        var rows = 0
        for (name, ns) in spaces {
            let mine = try ipc.sharedMemory(ns: ns)
            let want = truth.filter { $0["ipc_ns"] == name }
            #expect(mine.count == want.count, "\(name)")
            rows += mine.count
            for r in want {
                let s = try #require(mine.first { $0.perm.id == Int64(r["shmid"]!)! })
                #expect(s.perm.key == Int64(r["key"]!)! && String(s.perm.perms, radix: 8) == r["perms"])
                #expect(s.size == Int64(r["size"]!)! && s.attached == Int64(r["nattch"]!)!)
                #expect(s.creatorPid == Int64(r["cpid"]!)! && s.lastPid == Int64(r["lpid"]!)!)
                #expect(s.perm.uid == Int64(r["uid"]!)! && s.perm.cgid == Int64(r["cgid"]!)!)
            }
        }
        #expect(rows == truth.count)
    }

    @Test(arguments: Fixtures.viewsSets) func semaphoreSetsMatchProcSysvipcSem(set: String) throws {
        let (ipc, spaces) = try Self.open(set)
        let truth = try Fixtures.truthCSV(set, "ipc_sem.csv")
        var rows = 0
        for (name, ns) in spaces {
            let mine = try ipc.semaphores(ns: ns)
            rows += mine.count
            for r in truth where r["ipc_ns"] == name {
                let s = try #require(mine.first { $0.perm.id == Int64(r["semid"]!)! })
                #expect(s.perm.key == Int64(r["key"]!)! && String(s.perm.perms, radix: 8) == r["perms"] && s.nsems == Int64(r["nsems"]!)!)
            }
        }
        #expect(rows == truth.count)
    }

    @Test(arguments: Fixtures.viewsSets) func messageQueuesMatchProcSysvipcMsg(set: String) throws {
        let (ipc, spaces) = try Self.open(set)
        let truth = try Fixtures.truthCSV(set, "ipc_msg.csv")
        var rows = 0
        for (name, ns) in spaces {
            let mine = try ipc.messageQueues(ns: ns)
            rows += mine.count
            for r in truth where r["ipc_ns"] == name {
                let q = try #require(mine.first { $0.perm.id == Int64(r["msqid"]!)! })
                #expect(q.perm.key == Int64(r["key"]!)! && String(q.perm.perms, radix: 8) == r["perms"])
                #expect(q.messages == Int64(r["qnum"]!)! && q.bytes == Int64(r["cbytes"]!)! && q.lastSendPid == Int64(r["lspid"]!)!)
            }
        }
        #expect(rows == truth.count)
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelAnswersWithConsistentObjects(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let ipc = try SysVIPC(kernel: kernel)
        for ns in try ipc.namespaceAddresses(tasks: try Tasks(kernel: kernel).all()) {
            for s in try ipc.sharedMemory(ns: ns) { #expect(s.size > 0 && s.perm.id >= 0) }
            for s in try ipc.semaphores(ns: ns) { #expect(s.nsems > 0) }
            for q in try ipc.messageQueues(ns: ns) { #expect(q.messages >= 0 && q.bytes >= 0) }
        }
    }
}
