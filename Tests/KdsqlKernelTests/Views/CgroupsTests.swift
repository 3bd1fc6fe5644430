import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The cgroup v2 tree against /sys/fs/cgroup (truth/cgroup_tree.csv) and
/// each task's /proc/PID/cgroup (truth/cgroups.csv).
@Suite struct CgroupsTests {
    static func open(_ dump: String) throws -> (Kernel, Cgroups) {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        return (kernel, try Cgroups(kernel: kernel))
    }

    @Test(arguments: Fixtures.viewsSets) func treeHasTheCgroupsWithTheirControllersAndLimits(set: String) throws {
        let (_, walker) = try Self.open(try Fixtures.viewsEntry(set))
        // The truth lists paths sorted; the kernel keeps children in creation order.
        let cgroups = try walker.all().sorted { $0.path < $1.path }
        let truth = try Fixtures.truthCSV(set, "cgroup_tree.csv").sorted { $0["path"]! < $1["path"]! }
        #expect(cgroups.map(\.path) == truth.map { $0["path"]! })
        for (c, r) in zip(cgroups, truth) {
            #expect(c.controllers.joined(separator: " ") == r["controllers"], "\(c.path) controllers")
            #expect(c.subtreeControl.joined(separator: " ") == r["subtree_control"], "\(c.path) subtree_control")
            func limit(_ s: String?) -> Int64? { s == "max" || s == "" ? nil : Int64(s!) }
            #expect(c.memoryMax == limit(r["memory.max"]), "\(c.path) memory.max")
            #expect(c.pidsMax == limit(r["pids.max"]), "\(c.path) pids.max")
            #expect(c.level == Int64(c.path == "/" ? 0 : c.path.split(separator: "/").count))
        }
    }

    /// pids.current and memory.current of the workload's cgroups: the
    /// processes in them were idle between capture and crash.
    @Test(arguments: Fixtures.viewsSets) func usageOfTheWorkloadCgroupsMatchesTheInterfaceFiles(set: String) throws {
        let (_, walker) = try Self.open(try Fixtures.viewsEntry(set))
        let cgroups = Dictionary(try walker.all().map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for r in try Fixtures.truthCSV(set, "cgroup_tree.csv") where r["path"] != "/" {
            let c = try #require(cgroups[r["path"]!])
            #expect(c.pidsCurrent == Int64(r["pids.current"]!)!, "\(c.path) pids.current")
            let want = Int64(r["memory.current"]!)!
            let got = try #require(c.memoryCurrent)
            #expect(abs(got - want) <= 256 * 1024, "\(c.path) memory.current: dump \(got), truth \(want)")
            #expect(c.swapCurrent == Int64(r["memory.swap.current"]!)!, "\(c.path) memory.swap.current")
        }
    }

    @Test(arguments: Fixtures.viewsSets) func everyTaskIsInTheCgroupOfProcPidCgroup(set: String) throws {
        let (kernel, walker) = try Self.open(try Fixtures.viewsEntry(set))
        let tasks = try Tasks(kernel: kernel)
        var byPid: [Int64: UInt64] = [:]
        for t in try tasks.all() { byPid[try tasks.pid(t)] = t }
        var compared = 0
        for r in try Fixtures.truthCSV(set, "cgroups.csv") {
            guard let t = byPid[Int64(r["pid"]!)!] else { continue }
            let cg = try #require(try walker.cgroup(ofTask: t))
            #expect(try walker.path(cg) == r["path"], "pid \(r["pid"]!)")
            compared += 1
        }
        #expect(compared > 140)
    }

    /// The workload mounts cgroup2 only: /proc/PID/cgroup has one line, of
    /// hierarchy 0, for every task, and the kernel lists no v1 hierarchy.
    @Test(arguments: Fixtures.viewsSets)
    func noV1HierarchyIsMountedAsProcPidCgroupSays(set: String) throws {
        let (_, walker) = try Self.open(try Fixtures.viewsEntry(set))
        let ids = Set(try Fixtures.truthCSV(set, "cgroups.csv").map { $0["hierarchy_id"]! })
        #expect(ids == ["0"])
        #expect(try walker.v1Hierarchies() == [])
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelHasARootThatHoldsInit(dump: String) throws {
        let (kernel, walker) = try Self.open(dump)
        let all = try walker.all()
        #expect(all.first?.path == "/" && all.first?.level == 0)
        let tasks = try Tasks(kernel: kernel)
        let pid1 = try #require(try tasks.lookup(pid: 1).first)
        #expect(try walker.cgroup(ofTask: pid1).map { try walker.path($0) } == "/")
        #expect(all.first?.controllers.contains("memory") == true)
    }
}
