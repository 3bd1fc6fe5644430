import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Sockets against the guest's /proc/net/{tcp,tcp6,udp,udp6} (truth/tcp.csv,
/// udp.csv) and its /proc/PID/fd socket links (truth/fds.csv).
@Suite struct SocketsTests {
    static func listing(_ file: String) throws -> [SocketEntry] {
        try SocketListing(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))).all()
    }

    /// tcp.csv and udp.csv rows with the protocol they came from.
    static func truthRows() throws -> [(proto: String, row: [String: String])] {
        try Fixtures.truthCSV(Fixtures.sysrq, "tcp.csv").map { ("tcp", $0) }
            + Fixtures.truthCSV(Fixtures.sysrq, "udp.csv").map { ("udp", $0) }
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func everyProcNetSocketMatchesRowByRow(file: String) throws {
        let entries = try Self.listing(file)
        let truth = try Self.truthRows()
        #expect(truth.count == 7)
        for (proto, r) in truth {
            let inode = UInt64(r["inode"]!)!
            let e = try #require(entries.first { $0.info?.inode == inode }, "\(proto) socket inode \(inode) missing")
            let s = try #require(e.info)
            let what = "\(proto) inode \(inode)"
            #expect(s.protocol == proto, "\(what) protocol")
            #expect(s.family == r["family"]!, "\(what) family")
            #expect(s.localAddress == r["local_addr"]!, "\(what) local address")
            #expect(s.localPort == UInt64(r["local_port"]!)!, "\(what) local port")
            #expect(s.remoteAddress == r["remote_addr"]!, "\(what) remote address")
            #expect(s.remotePort == UInt64(r["remote_port"]!)!, "\(what) remote port")
            #expect(s.state == r["state"]!, "\(what) state")
            #expect(s.stateRaw == UInt64(r["state_hex"]!, radix: 16)!, "\(what) state number")
            #expect(s.uid == UInt64(r["uid"]!)!, "\(what) uid")
            #expect(s.rxQueue == Int64(r["rx_queue"]!)!, "\(what) rx_queue")
            #expect(s.txQueue == Int64(r["tx_queue"]!)!, "\(what) tx_queue")
        }
    }

    /// Each socket link in /proc/PID/fd is one `fd` row with the same pid, fd
    /// and inode; no process holds a socket /proc did not list.
    @Test(arguments: Fixtures.sysrqDumps)
    func fileHeldSocketsAreExactlyTheProcFdSocketLinks(file: String) throws {
        struct Held: Hashable { var pid: Int64; var fd: Int; var inode: UInt64 }
        let got = Set(try Self.listing(file).filter { $0.source == "fd" }.map {
            Held(pid: $0.pid!, fd: $0.fd!, inode: $0.info?.inode ?? 0)
        })
        let truth = Set(try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv").compactMap { r -> Held? in
            let target = r["target"]!
            guard target.hasPrefix("socket:[") else { return nil }
            return Held(pid: Int64(r["pid"]!)!, fd: Int(r["fd"]!)!, inode: UInt64(target.dropFirst(8).dropLast())!)
        })
        #expect(truth.count == 7)
        #expect(got == truth)
    }

    /// The hash-table walk alone finds exactly the sockets /proc/net/{tcp,udp}
    /// listed, each in the table its state belongs to.
    @Test func hashTablesHoldExactlyTheProcNetSockets() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let hashes = try SocketHashTables(kernel: kernel)
        let sockets = try Sockets(kernel: kernel)
        let hashed = try hashes.all(namespaces: try NetDevices(kernel: kernel).namespaces())
        var got: [UInt64: SocketHashTables.Table] = [:]
        for (table, sk) in hashed { got[try #require(try sockets.describe(sock: sk).inode)] = table }
        var expected: [UInt64: SocketHashTables.Table] = [:]
        for (proto, r) in try Self.truthRows() {
            expected[UInt64(r["inode"]!)!] = proto == "udp" ? .udp : r["state"] == "LISTEN" ? .tcpListen : .tcpEstablished
        }
        #expect(got == expected)
    }

    @Test func everySocketIsHeldSoNoHashOnlyRowsAppear() throws {
        // The scenario's sockets are all open in some process and no
        // connection was closed (nothing in TIME_WAIT): `hash` rows would be strays.
        let entries = try Self.listing("vmcore-mdf-d31-zlib.kdump")
        #expect(entries.filter { $0.source == "hash" }.isEmpty)
        #expect(entries.filter { $0.source == "fd" }.allSatisfy { $0.hashTable != nil })
    }
}

@Suite struct InetFormatTests {
    @Test(arguments: [
        ([UInt8](repeating: 0, count: 15) + [1], "::1"),
        ([UInt8](repeating: 0, count: 16), "::"),
        ([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0, 0xff, 0xfe, 0x12, 0x34, 0x56], "fe80::5054:ff:fe12:3456"),
        // RFC 5952 4.2.2: a single zero group is not shortened; 4.2.3: the first of equal runs.
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], "2001:db8:0:1:1:1:1:1"),
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], "2001:db8::1:0:0:1"),
        // Section 5: IPv4-mapped addresses end in dotted quad.
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1], "::ffff:127.0.0.1"),
    ] as [([UInt8], String)])
    func ipv6TextFollowsRFC5952(bytes: [UInt8], text: String) {
        #expect(InetFormat.ipv6(bytes) == text)
    }

    @Test func portsAndIPv4AreReadInNetworkOrder() {
        #expect(InetFormat.ipv4(networkOrder: 0x0100007f) == "127.0.0.1")
        #expect(InetFormat.port(networkOrder: 0x901f) == 8080)
    }

    @Test func udpCloseIsUnconnButTcpCloseIsClose() {
        #expect(InetFormat.stateName(7, isTCP: false) == "UNCONN")
        #expect(InetFormat.stateName(7, isTCP: true) == "CLOSE")
        #expect(InetFormat.stateName(10, isTCP: true) == "LISTEN")
    }
}
