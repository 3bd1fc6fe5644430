import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Neighbour entries against `ip neigh` in the initial namespace and in
/// kdsql-netns (truth/neighbours.csv).
@Suite struct NeighboursTests {
    /// The PERMANENT entries the workload added are there, in the right
    /// namespace, with their link-layer addresses; dynamic ones may have
    /// changed state (README) and are compared by presence only.
    @Test(arguments: Fixtures.viewsSets) func permanentEntriesOfEveryNamespaceAreExact(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let holder = try #require(try tasks.lookup(pid: try ViewsWorkload(set).netnsPid).first)
        let nsNet = try #require(try Namespaces(kernel: kernel).of(task: holder).first { $0.type == "net" }).address
        let spaces = ["root": try kernel.address(of: "init_net"), "kdsql-netns": nsNet]
        let entries = try Neighbours(kernel: kernel).all()
        let truth = try Fixtures.truthCSV(set, "neighbours.csv")
        for r in truth {
            let found = entries.first { $0.destination == r["address"] && $0.netns == spaces[r["netns"]!] && $0.ifname == r["device"] }
            let n = try #require(found, "\(r["netns"]!) \(r["address"]!) missing")
            #expect(n.family == r["family"])
            if r["state"] == "PERMANENT" {
                #expect(n.state == "PERMANENT" && n.lladdr == r["lladdr"], "\(r["address"]!)")
            }
            #expect(n.isRouter == (r["flags"] == "router"), "\(r["address"]!) router flag")
        }
        // Nothing PERMANENT beyond what ip neigh listed.
        #expect(entries.filter { $0.state == "PERMANENT" }.count == truth.filter { $0["state"] == "PERMANENT" }.count)
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelAnswersWithWellFormedEntries(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        for n in try Neighbours(kernel: kernel).all() {
            #expect(n.family == "inet" || n.family == "inet6")
            #expect(!n.ifname.isEmpty && n.netnsInum != nil)
        }
    }
}
