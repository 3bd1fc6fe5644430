import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The TCP/UDP hash tables on every configured generation hold exactly the
/// sockets the guest's /proc/net/{tcp,tcp6,udp,udp6} listed: listening
/// sockets chain through `icsk_listen_portaddr_node` before 5.19 and through
/// `sk_nulls_node` after (SocketHashTables).
@Suite struct GenerationSocketsTests {
    @Test(arguments: Fixtures.generations)
    func hashTablesHoldExactlyTheProcNetSockets(_ g: KernelGeneration) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump))
        let hashes = try SocketHashTables(kernel: kernel)
        let sockets = try Sockets(kernel: kernel)
        var got: [UInt64: SocketHashTables.Table] = [:]
        for (table, sk) in try hashes.all(namespaces: try NetDevices(kernel: kernel).namespaces()) {
            got[try #require(try sockets.describe(sock: sk).inode, "\(g)")] = table
        }
        var expected: [UInt64: SocketHashTables.Table] = [:]
        let truth = try Fixtures.truthCSV(g.sysrq, "tcp.csv").map { ("tcp", $0) } + Fixtures.truthCSV(g.sysrq, "udp.csv").map { ("udp", $0) }
        for (proto, r) in truth {
            expected[UInt64(r["inode"]!)!] = proto == "udp" ? .udp : r["state"] == "LISTEN" ? .tcpListen : .tcpEstablished
        }
        #expect(expected.count == 7, "\(g)")
        #expect(got == expected, "\(g)")
    }
}
