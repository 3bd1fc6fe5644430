import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Routes against /proc/net/route and /proc/net/ipv6_route in the initial
/// namespace and kdsql-netns (truth/routes.csv).
@Suite struct RoutesTests {
    static func open(_ set: String) throws -> (routes: [Route], spaces: [String: UInt64]) {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let holder = try #require(try Tasks(kernel: kernel).lookup(pid: try ViewsWorkload(set).netnsPid).first)
        let nsNet = try #require(try Namespaces(kernel: kernel).of(task: holder).first { $0.type == "net" }).address
        return (try Routes(kernel: kernel).all(), ["root": try kernel.address(of: "init_net"), "kdsql-netns": nsNet])
    }

    static func key(_ dest: String, _ gw: String?, _ dev: String?, _ metric: UInt64) -> String {
        "\(dest) via \(gw ?? "-") dev \(dev ?? "-") metric \(metric)"
    }

    @Test(arguments: Fixtures.viewsSets) func mainTableOfEveryNamespaceIsProcNetRoute(set: String) throws {
        let (routes, spaces) = try Self.open(set)
        for (name, net) in spaces {
            let mine = routes.filter { $0.netns == net && $0.family == "inet" && $0.table == 254 }
                .map { Self.key("\($0.destination)/\($0.prefixLength)", $0.gateway, $0.ifname, $0.metric) }
            let truth = try Fixtures.truthCSV(set, "routes.csv").filter { $0["netns"] == name && $0["family"] == "inet" }
                .map { Self.key($0["destination"]!, $0["gateway"]!.isEmpty ? nil : $0["gateway"], $0["device"], UInt64($0["metric"]!)!) }
            #expect(mine.sorted() == truth.sorted(), "\(name)")
        }
    }

    /// The IPv6 routes of every table are exactly /proc/net/ipv6_route's
    /// (the SLAAC ones with expiry timers had not expired by the crash).
    @Test(arguments: Fixtures.viewsSets) func ipv6TablesOfEveryNamespaceAreProcNetIpv6Route(set: String) throws {
        let (routes, spaces) = try Self.open(set)
        for (name, net) in spaces {
            let mine = routes.filter { $0.netns == net && $0.family == "inet6" }
                .map { Self.key("\($0.destination)/\($0.prefixLength)", $0.gateway, $0.ifname, $0.metric) }
            let truth = try Fixtures.truthCSV(set, "routes.csv").filter { $0["netns"] == name && $0["family"] == "inet6" }
                .map { Self.key($0["destination"]!, $0["gateway"]!.isEmpty ? nil : $0["gateway"], $0["device"], UInt64($0["metric"]!)!) }
            #expect(mine.sorted() == truth.sorted(), "\(name)")
        }
    }

    @Test(arguments: Fixtures.viewsSets) func localTableHasTheHostRoutesOfTheAddresses(set: String) throws {
        let (routes, spaces) = try Self.open(set)
        let local = routes.filter { $0.netns == spaces["root"] && $0.family == "inet" && $0.table == 255 }
        #expect(local.contains { $0.destination == "10.0.2.15" && $0.prefixLength == 32 && $0.type == "local" && $0.scope == "host" })
        #expect(local.contains { $0.destination == "127.0.0.0" && $0.prefixLength == 8 && $0.ifname == "lo" })
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelHasLoopbackRoutes(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let routes = try Routes(kernel: kernel).all()
        #expect(routes.contains { $0.family == "inet" && $0.destination == "127.0.0.1" && $0.table == 255 })
        #expect(routes.contains { $0.family == "inet6" && $0.destination == "::1" && $0.prefixLength == 128 })
    }
}
