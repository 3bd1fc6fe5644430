import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Namespaces against /proc/PID/ns (truth/namespaces.csv) and the UTS name
/// set inside kdsql-utsns (truth/utsns-hostname.txt).
@Suite struct NamespacesTests {
    @Test(arguments: Fixtures.viewsSets) func everyTaskHasTheNamespaceInodesOfProcPidNs(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let ns = try Namespaces(kernel: kernel)
        var byPid: [Int64: UInt64] = [:]
        for t in try tasks.all() { byPid[try tasks.pid(t)] = t }
        var truth: [Int64: [String: UInt64]] = [:]
        for r in try Fixtures.truthCSV(set, "namespaces.csv") {
            truth[Int64(r["pid"]!)!, default: [:]][r["type"]!] = UInt64(r["inode"]!)!
        }
        var compared = 0
        for (pid, want) in truth {
            guard let t = byPid[pid] else { continue }
            let got = Dictionary(try ns.of(task: t).map { ($0.type, $0.inode) }, uniquingKeysWith: { a, _ in a })
            #expect(got == want, "pid \(pid)")
            compared += 1
        }
        #expect(compared > 140)
    }

    @Test(arguments: Fixtures.viewsSets) func theExtraUTSNamespaceHasItsOwnHostname(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let ns = try Namespaces(kernel: kernel)
        let all = try tasks.all()
        let names = try ns.distinct("uts", tasks: all).map { try ns.uts(at: $0) }
        #expect(names.count == 2)
        #expect(names[0].nodename == (try Fixtures.viewsLines(set, "hostname.txt")[0]))
        let holder = try ViewsWorkload(set).utsnsPid
        let inode = try #require(try Fixtures.truthCSV(set, "namespaces.csv").first { $0["pid"] == "\(holder)" && $0["type"] == "uts" })["inode"]
        #expect(names.contains { $0.nodename == (try? Fixtures.viewsLines(set, "utsns-hostname.txt")[0]) && "\($0.inode)" == inode })
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyUserTaskIsInEightNamespacesOrMore(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let tasks = try Tasks(kernel: kernel)
        let ns = try Namespaces(kernel: kernel)
        let initTask = try kernel.address(of: "init_task")
        let initUts = try ns.of(task: initTask).first { $0.type == "uts" }
        #expect(initUts?.address == (try kernel.address(of: "init_uts_ns")))
        for t in try tasks.all() where try tasks.pid(t) > 0 {
            let types = Set(try ns.of(task: t).map(\.type))
            let pid = try tasks.pid(t)
            #expect(types.isSuperset(of: ["mnt", "uts", "ipc", "pid", "net", "user", "cgroup"]), "pid \(pid)")
        }
    }
}
