/// Text forms of addresses as the networking tools print them: dotted IPv4,
/// RFC 5952 IPv6 (what `ip addr` and `ss` show), MAC addresses as `ip link`
/// shows them, and the names of protocol numbers and states.
public enum InetFormat {
    /// `a.b.c.d` from the four bytes of a `__be32` in memory order.
    public static func ipv4(_ bytes: [UInt8]) -> String {
        bytes.prefix(4).map(String.init).joined(separator: ".")
    }

    /// `a.b.c.d` from a `__be32` read as a little-endian integer (the way
    /// kdsql reads memory): the lowest byte is the first octet.
    public static func ipv4(networkOrder value: UInt32) -> String {
        ipv4((0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    /// RFC 5952 text of a 16-byte IPv6 address: lowercase hex, no leading
    /// zeros, the longest run (leftmost on a tie) of two or more zero groups
    /// as `::`, and IPv4-mapped addresses as `::ffff:a.b.c.d` (section 5).
    public static func ipv6(_ bytes: [UInt8]) -> String {
        guard bytes.count >= 16 else { return "" }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xffff {
            return "::ffff:" + ipv4(Array(bytes[12..<16]))
        }
        // Longest run of zero groups, length >= 2.
        var bestStart = -1, bestLength = 0, i = 0
        while i < 8 {
            guard groups[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > bestLength { bestStart = i; bestLength = j - i }
            i = j
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let head = hex[0..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// `aa:bb:cc:dd:ee:ff` (lowercase, any length).
    public static func mac(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    /// Network-order 16-bit value (a `__be16` read little-endian) to host order.
    public static func port(networkOrder value: UInt16) -> UInt16 { value.byteSwapped }

    // MARK: Names of numbers (include/linux/socket.h, include/linux/net.h, include/uapi/linux/in.h)

    /// Address family names as `ss`/`ip` print them.
    public static func familyName(_ family: UInt64) -> String {
        switch family {
        case 1: return "unix"       // AF_UNIX
        case 2: return "inet"       // AF_INET
        case 10: return "inet6"     // AF_INET6
        case 16: return "netlink"   // AF_NETLINK
        case 17: return "packet"    // AF_PACKET
        case 40: return "vsock"     // AF_VSOCK
        default: return "af\(family)"
        }
    }

    /// Socket type names (enum sock_type, include/linux/net.h).
    public static func typeName(_ type: UInt64) -> String {
        switch type {
        case 1: return "STREAM"
        case 2: return "DGRAM"
        case 3: return "RAW"
        case 4: return "RDM"
        case 5: return "SEQPACKET"
        case 6: return "DCCP"
        case 10: return "PACKET"
        default: return "type\(type)"
        }
    }

    /// IP protocol names for AF_INET/AF_INET6 sockets (include/uapi/linux/in.h);
    /// other families print the number.
    public static func protocolName(family: UInt64, protocol: UInt64) -> String {
        guard family == 2 || family == 10 else { return String(`protocol`) }
        switch `protocol` {
        case 0: return "ip"
        case 1: return "icmp"
        case 6: return "tcp"
        case 17: return "udp"
        case 58: return "icmpv6"
        case 132: return "sctp"
        case 136: return "udplite"
        case 255: return "raw"
        default: return String(`protocol`)
        }
    }

    /// Socket state by name. TCP states are the names /proc/net/tcp users and
    /// `netstat` know (include/net/tcp_states.h); sockets of other protocols
    /// reuse TCP_CLOSE for "not connected", which `ss` calls UNCONN.
    public static func stateName(_ state: UInt64, isTCP: Bool) -> String {
        let names = ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
                     "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"]
        if !isTCP && state == 7 { return "UNCONN" }
        return state > 0 && state < UInt64(names.count) ? names[Int(state)] : "state\(state)"
    }

    /// Route scope names as `ip addr` prints them (enum rt_scope_t,
    /// include/uapi/linux/rtnetlink.h; /etc/iproute2/rt_scopes).
    public static func ipv4ScopeName(_ scope: UInt64) -> String {
        switch scope {
        case 0: return "global"     // RT_SCOPE_UNIVERSE
        case 200: return "site"     // RT_SCOPE_SITE
        case 253: return "link"     // RT_SCOPE_LINK
        case 254: return "host"     // RT_SCOPE_HOST
        case 255: return "nowhere"  // RT_SCOPE_NOWHERE
        default: return String(scope)
        }
    }

    /// IPv6 address scope names from inet6_ifaddr.scope, which holds the
    /// IPV6_ADDR_SCOPE_MASK bits of ipv6_addr_type() (include/net/ipv6.h:
    /// IFA_HOST = IPV6_ADDR_LOOPBACK 0x10, IFA_LINK 0x20, IFA_SITE 0x40,
    /// IFA_GLOBAL 0), printed the way iproute2 does.
    public static func ipv6ScopeName(_ scope: UInt64) -> String {
        switch scope {
        case 0: return "global"
        case 0x10: return "host"
        case 0x20: return "link"
        case 0x40: return "site"
        default: return String(scope)
        }
    }
}
