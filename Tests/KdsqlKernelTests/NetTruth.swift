import FixtureSupport

/// The guest's own view of its network (truth/ip-o-link.txt, ip-o-addr.txt,
/// if_inet6.txt, netdevs.csv), parsed once for the network tests.
enum NetTruth {
    /// `ip -o link`: interface name → the flag text between < and >.
    static func linkFlags() throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try Fixtures.truth(Fixtures.sysrq, "ip-o-link.txt").split(separator: "\n") {
            // "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..."
            let parts = line.split(separator: " ")
            guard parts.count > 2, let open = line.firstIndex(of: "<"), let close = line.firstIndex(of: ">") else { continue }
            out[String(parts[1].dropLast())] = String(line[line.index(after: open)..<close])
        }
        return out
    }

    struct Address: Equatable, CustomStringConvertible {
        var ifname, family, address: String
        var prefix: UInt64
        var scope: String
        var description: String { "\(ifname) \(family) \(address)/\(prefix) scope \(scope)" }
    }

    /// `ip -o addr`, in the order ip printed it.
    static func addresses() throws -> [Address] {
        try Fixtures.truth(Fixtures.sysrq, "ip-o-addr.txt").split(separator: "\n").compactMap { line in
            // "2: eth0    inet 10.0.2.15/24 scope global eth0\ ..."
            let w = line.split(separator: " ", omittingEmptySubsequences: true)
            guard w.count > 5, w[4] == "scope" else { return nil }
            let cidr = w[3].split(separator: "/")
            return Address(ifname: String(w[1]), family: String(w[2]), address: String(cidr[0]),
                           prefix: UInt64(cidr[1])!, scope: String(w[5]))
        }
    }

    struct Inet6: Hashable {
        var hex: String
        var ifindex, prefix, scope, flags: UInt64
        var ifname: String
    }

    /// /proc/net/if_inet6: address as 32 hex digits, ifindex, prefix, scope, flags (hex), name.
    static func ifInet6() throws -> Set<Inet6> {
        Set(try Fixtures.truth(Fixtures.sysrq, "if_inet6.txt").split(separator: "\n").compactMap { line in
            let w = line.split(separator: " ", omittingEmptySubsequences: true)
            guard w.count == 6 else { return nil }
            return Inet6(hex: String(w[0]), ifindex: UInt64(w[1], radix: 16)!, prefix: UInt64(w[2], radix: 16)!,
                         scope: UInt64(w[3], radix: 16)!, flags: UInt64(w[4], radix: 16)!, ifname: String(w[5]))
        })
    }
}
