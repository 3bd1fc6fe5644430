import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// net_devices, net_addresses and sockets through SQL against the guest's
/// own view of its network (truth/netdevs.csv, ip-o-addr.txt, tcp.csv,
/// udp.csv, fds.csv).
@Suite struct NetTablesTests {
    static func database(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func netDevicesEqualsNetdevsCsv(file: String) throws {
        let db = try Self.database(file)
        let got = try db.query("SELECT name, ifindex, mtu, mac, operstate, printf('0x%x', flags), type FROM net_devices ORDER BY ifindex")
        let truth: [[SQLValue]] = try Fixtures.truthCSV(Fixtures.sysrq, "netdevs.csv").map { r in
            [.text(r["name"]!), .integer(Int64(r["ifindex"]!)!), .integer(Int64(r["mtu"]!)!), .text(r["mac"]!),
             .text(r["operstate"]!), .text(r["flags"]!), .integer(Int64(r["type"]!)!)]
        }
        #expect(truth.count == 3)
        #expect(got == truth)
    }

    /// netdevs.csv's ipv4 and ipv6 columns (CIDR lists, IPv6 in if_inet6
    /// order) against net_addresses aggregated per device.
    @Test(arguments: Fixtures.sysrqDumps)
    func netAddressesEqualsTheAddressListsOfNetdevsCsv(file: String) throws {
        let db = try Self.database(file)
        for r in try Fixtures.truthCSV(Fixtures.sysrq, "netdevs.csv") {
            let name = r["name"]!
            for family in ["inet", "inet6"] {
                let got = try db.query("SELECT address || '/' || prefix_len FROM net_addresses WHERE ifname = '\(name)' AND family = '\(family)'")
                    .compactMap { $0[0].string }
                let expected = r[family == "inet" ? "ipv4" : "ipv6"]!.split(separator: ";").map(String.init)
                #expect(got.sorted() == expected.sorted(), "\(family) addresses of \(name)")
            }
        }
    }

    /// `ip -o addr` prints "forever" exactly for the rows whose lifetime is
    /// INFINITY_LIFE_TIME, and a finite remaining time never exceeds the
    /// configured lifetime, nor falls short of it by more than the guest's
    /// uptime when `ip` ran (the address was configured after boot).
    @Test func lifetimesAgreeWithIpAddr() throws {
        let db = try Self.database()
        let age = Int64(try CaptureTimes(set: Fixtures.sysrq).end.rounded(.up)) + 1
        for line in try Fixtures.truth(Fixtures.sysrq, "ip-o-addr.txt").split(separator: "\n") {
            let w = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let v = w.firstIndex(of: "valid_lft"), let p = w.firstIndex(of: "preferred_lft") else { continue }
            let address = w[3].split(separator: "/")[0]
            let row = try #require(try db.query("SELECT valid_lft, preferred_lft FROM net_addresses WHERE address = '\(address)'").first)
            for (value, text) in [(row[0].int64, w[v + 1]), (row[1].int64, w[p + 1])] {
                if text == "forever" {
                    #expect(value == 4_294_967_295, "\(address)")
                } else {
                    let left = try #require(Int64(text.dropLast(3)), "\(text)")
                    #expect(value.map { $0 >= left && $0 <= left + age } == true, "\(address): configured \(value ?? -1), ip showed \(left)s left at uptime < \(age) s")
                }
            }
        }
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func socketsMatchProcNetTcpAndUdpRowByRow(file: String) throws {
        let db = try Self.database(file)
        let columns = "family, local_addr, local_port, remote_addr, remote_port, state, tx_queue, rx_queue, uid, inode"
        for (proto, csv) in [("tcp", "tcp.csv"), ("udp", "udp.csv")] {
            let truth: [[SQLValue]] = try Fixtures.truthCSV(Fixtures.sysrq, csv).map { r in
                [.text(r["family"]!), .text(r["local_addr"]!), .integer(Int64(r["local_port"]!)!), .text(r["remote_addr"]!),
                 .integer(Int64(r["remote_port"]!)!), .text(r["state"]!), .integer(Int64(r["tx_queue"]!)!),
                 .integer(Int64(r["rx_queue"]!)!), .integer(Int64(r["uid"]!)!), .integer(Int64(r["inode"]!)!)]
            }.sorted { $0[9].int64! < $1[9].int64! }
            let got = try db.query("SELECT \(columns) FROM sockets WHERE protocol = '\(proto)' ORDER BY inode")
            #expect(truth.count == (proto == "tcp" ? 5 : 2))
            #expect(got == truth, "\(proto)")
        }
    }

    @Test func socketHoldersAreTheProcFdSocketLinks() throws {
        let db = try Self.database()
        let got = try db.query("SELECT pid, fd, 'socket:[' || inode || ']' FROM sockets WHERE source = 'fd' ORDER BY pid, fd")
        let truth: [[SQLValue]] = try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv")
            .filter { $0["target"]!.hasPrefix("socket:[") }
            .map { [.integer(Int64($0["pid"]!)!), .integer(Int64($0["fd"]!)!), .text($0["target"]!)] }
            .sorted { ($0[0].int64!, $0[1].int64!) < ($1[0].int64!, $1[1].int64!) }
        #expect(truth.count == 7)
        #expect(got == truth)
    }

    /// The README's scenario, by name: who listens where.
    @Test func listenersAreTheScenariosServers() throws {
        let db = try Self.database()
        let got = try db.query("SELECT comm, local_addr, local_port FROM sockets WHERE state = 'LISTEN' ORDER BY local_port")
        #expect(got == [[.text("kdsql-tcpsrv"), .text("0.0.0.0"), .integer(2222)],
                        [.text("nc"), .text("::"), .integer(3333)],
                        [.text("httpd"), .text("127.0.0.1"), .integer(8080)]])
    }

    @Test func socketsWherePidReadsOnlyThatProcess() throws {
        let db = try Self.database()
        let tcpsrv = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").first { $0["comm"] == "kdsql-tcpsrv" })
        let rows = try db.query("SELECT fd, state, hash_table FROM sockets WHERE pid = \(tcpsrv["pid"]!) ORDER BY fd")
        #expect(rows == [[.integer(3), .text("LISTEN"), .text("tcp-listen")], [.integer(4), .text("ESTABLISHED"), .text("tcp-ehash")]])
        #expect(db.context.rowsVisited["sockets"] == 2)
    }
}
