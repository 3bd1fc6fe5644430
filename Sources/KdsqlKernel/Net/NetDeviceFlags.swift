/// IFF_* flag bits (include/uapi/linux/if.h, a user-space ABI) and the
/// text `ip link` prints for them.
public enum NetDeviceFlags {
    public static let up: UInt64 = 0x1, broadcast: UInt64 = 0x2, debug: UInt64 = 0x4, loopback: UInt64 = 0x8
    public static let pointopoint: UInt64 = 0x10, notrailers: UInt64 = 0x20, running: UInt64 = 0x40, noarp: UInt64 = 0x80
    public static let promisc: UInt64 = 0x100, allmulti: UInt64 = 0x200, master: UInt64 = 0x400, slave: UInt64 = 0x800
    public static let multicast: UInt64 = 0x1000, portsel: UInt64 = 0x2000, automedia: UInt64 = 0x4000, dynamic: UInt64 = 0x8000
    public static let lowerUp: UInt64 = 0x10000, dormant: UInt64 = 0x20000, echo: UInt64 = 0x40000

    /// Names in the order iproute2's print_link_flags() prints them.
    static let ordered: [(UInt64, String)] = [
        (loopback, "LOOPBACK"), (broadcast, "BROADCAST"), (pointopoint, "POINTOPOINT"), (multicast, "MULTICAST"),
        (noarp, "NOARP"), (allmulti, "ALLMULTI"), (promisc, "PROMISC"), (notrailers, "NOTRAILERS"), (debug, "DEBUG"),
        (dynamic, "DYNAMIC"), (automedia, "AUTOMEDIA"), (portsel, "PORTSEL"), (master, "MASTER"), (slave, "SLAVE"),
        (up, "UP"), (lowerUp, "LOWER_UP"), (dormant, "DORMANT"), (echo, "ECHO"),
    ]

    /// `ip link`'s flag text for rtnetlink flags (dev_get_flags()): NO-CARRIER
    /// when up but not running, RUNNING itself never shown, unknown bits in hex.
    public static func ipLinkText(_ flags: UInt64) -> String {
        var parts: [String] = []
        if flags & up != 0 && flags & running == 0 { parts.append("NO-CARRIER") }
        var rest = flags & ~running
        for (bit, name) in ordered where rest & bit != 0 {
            parts.append(name)
            rest &= ~bit
        }
        if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
        return parts.joined(separator: ",")
    }

    /// RFC 2863 operational state names as /sys/class/net/X/operstate
    /// prints them (operstates[] in net/core/net-sysfs.c).
    public static func operstateName(_ value: UInt64) -> String {
        let names = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"]
        return value < UInt64(names.count) ? names[Int(value)] : "unknown"
    }
}
