import KdsqlMemory
import KdsqlDebugInfo

/// One interface address as `ip addr` shows it.
public struct NetAddress: Sendable {
    /// The `in_ifaddr` or `inet6_ifaddr`.
    public var address: UInt64
    public var device: UInt64
    public var netns: UInt64
    public var ifname: String
    public var ifindex: Int64
    /// `inet` or `inet6`.
    public var family: String
    /// Dotted IPv4 or RFC 5952 IPv6 text.
    public var text: String
    public var prefixLength: UInt64
    public var scope: String
    public var scopeRaw: UInt64
    /// IFA_F_* bits (include/uapi/linux/if_addr.h).
    public var flags: UInt64
    /// IPv4 label (`eth0`, `eth0:1`); NULL for IPv6.
    public var label: String?
    /// IPv4 broadcast address, when one is set.
    public var broadcast: String?
    /// Configured lifetimes in seconds (not the time left); 0xffffffff is
    /// "forever" (INFINITY_LIFE_TIME), reported for IFA_F_PERMANENT
    /// addresses as inet_fill_ifaddr/inet6_fill_ifaddr do, since the kernel
    /// leaves the fields unset for them (set_ifa_lifetime, net/ipv4/devinet.c).
    public var validLifetime: UInt64?
    public var preferredLifetime: UInt64?
}

/// The addresses of every device: IPv4 from `dev->ip_ptr` (struct
/// in_device, include/linux/inetdevice.h) through the `ifa_list` /
/// `ifa_next` chain (RCU pointers since 5.3, same layout), IPv6 from
/// `dev->ip6_ptr` (struct inet6_dev, include/net/if_inet6.h) through its
/// `addr_list` of `inet6_ifaddr.if_list`, which addrconf keeps in the order
/// `ip -6 addr` prints (ipv6_link_dev_addr, net/ipv6/addrconf.c).
public final class NetAddresses {
    public let kernel: Kernel
    public let devices: NetDevices
    // struct in_device / in_ifaddr
    let inIfaList: FieldRef, ifaNext: FieldRef, ifaLocal: FieldRef, ifaPrefixlen: FieldRef, ifaScope: FieldRef
    let ifaFlags: FieldRef, ifaLabel: FieldRef, ifaBroadcast: FieldRef, ifaValid: FieldRef?, ifaPreferred: FieldRef?
    // struct inet6_dev / inet6_ifaddr
    let i6AddrList: FieldRef?, i6IfList: FieldRef?, i6Addr: FieldRef?, i6Prefix: FieldRef?, i6Scope: FieldRef?
    let i6Flags: FieldRef?, i6Valid: FieldRef?, i6Preferred: FieldRef?

    /// More addresses on one device than this means a corrupt chain.
    static let addressLimit = 100_000

    public init(kernel: Kernel, devices: NetDevices? = nil) throws {
        self.kernel = kernel
        self.devices = try devices ?? NetDevices(kernel: kernel)
        inIfaList = try kernel.field("struct in_device", "ifa_list")
        let a = "struct in_ifaddr"
        ifaNext = try kernel.field(a, "ifa_next")
        ifaLocal = try kernel.field(a, "ifa_local")
        ifaPrefixlen = try kernel.field(a, "ifa_prefixlen")
        ifaScope = try kernel.field(a, "ifa_scope")
        ifaFlags = try kernel.field(a, "ifa_flags")
        ifaLabel = try kernel.field(a, "ifa_label")
        ifaBroadcast = try kernel.field(a, "ifa_broadcast")
        ifaValid = try? kernel.field(a, "ifa_valid_lft")       // since 3.9
        ifaPreferred = try? kernel.field(a, "ifa_preferred_lft")
        // IPv6 may be built as a module or left out: then there are no inet6 rows.
        i6AddrList = try? kernel.field("struct inet6_dev", "addr_list")
        let b = "struct inet6_ifaddr"
        i6IfList = try? kernel.field(b, "if_list")
        i6Addr = try? kernel.field(b, "addr")
        i6Prefix = try? kernel.field(b, "prefix_len")
        i6Scope = try? kernel.field(b, "scope")
        i6Flags = try? kernel.field(b, "flags")
        i6Valid = try? kernel.field(b, "valid_lft")
        i6Preferred = try? kernel.field(b, "prefered_lft") // sic, the kernel's spelling
    }

    /// Every address of every device of every namespace: per device, IPv4 first.
    public func all() throws -> [NetAddress] {
        var out: [NetAddress] = []
        for net in try devices.namespaces() {
            for dev in try devices.deviceAddresses(in: net) {
                do {
                    out += try addresses(ofDevice: dev, net: net)
                } catch {
                    try kernel.warnings.skip("addresses of net_device", at: dev, because: error)
                }
            }
        }
        return out
    }

    public func addresses(ofDevice dev: UInt64, net: UInt64) throws -> [NetAddress] {
        let name = try kernel.readCharArray(dev, devices.name)
        let index = try kernel.readSigned(dev, devices.ifindex)
        var out: [NetAddress] = []
        let inDev = try kernel.readPointer(dev, devices.ipPtr)
        if inDev != 0 {
            var seen = Set<UInt64>()
            var ifa = try kernel.readPointer(inDev, inIfaList)
            while ifa != 0 {
                guard seen.insert(ifa).inserted, seen.count <= Self.addressLimit else {
                    throw MemoryError.cycle(what: "ifa_list of \(name)", at: ifa)
                }
                out.append(try ipv4(ifa, device: dev, net: net, ifname: name, ifindex: index))
                ifa = try kernel.readPointer(ifa, ifaNext)
            }
        }
        if let ip6 = devices.ip6Ptr, let i6AddrList, let i6IfList {
            let inet6 = try kernel.readPointer(dev, ip6)
            if inet6 != 0 {
                for node in try kernel.listNodes(head: inet6 + i6AddrList.offset, what: "inet6_dev.addr_list of \(name)",
                                                 limit: Self.addressLimit) {
                    out.append(try ipv6(node - i6IfList.offset, device: dev, net: net, ifname: name, ifindex: index))
                }
            }
        }
        return out
    }

    func ipv4(_ ifa: UInt64, device: UInt64, net: UInt64, ifname: String, ifindex: Int64) throws -> NetAddress {
        let scope = try kernel.readUnsigned(ifa, ifaScope)
        let flags = try kernel.readUnsigned(ifa, ifaFlags)
        let bcast = UInt32(truncatingIfNeeded: try kernel.readUnsigned(ifa, ifaBroadcast))
        return NetAddress(
            address: ifa, device: device, netns: net, ifname: ifname, ifindex: ifindex, family: "inet",
            text: InetFormat.ipv4(networkOrder: UInt32(truncatingIfNeeded: try kernel.readUnsigned(ifa, ifaLocal))),
            prefixLength: try kernel.readUnsigned(ifa, ifaPrefixlen),
            scope: InetFormat.ipv4ScopeName(scope), scopeRaw: scope,
            flags: flags,
            label: try kernel.readCharArray(ifa, ifaLabel),
            broadcast: bcast == 0 ? nil : InetFormat.ipv4(networkOrder: bcast),
            validLifetime: try lifetime(ifa, ifaValid, flags: flags),
            preferredLifetime: try lifetime(ifa, ifaPreferred, flags: flags))
    }

    static let permanent: UInt64 = 0x80          // IFA_F_PERMANENT, include/uapi/linux/if_addr.h
    static let forever: UInt64 = 0xffff_ffff      // INFINITY_LIFE_TIME, include/net/addrconf.h

    func lifetime(_ base: UInt64, _ field: FieldRef?, flags: UInt64) throws -> UInt64? {
        if flags & Self.permanent != 0 { return Self.forever }
        return try field.map { try kernel.readUnsigned(base, $0) }
    }

    func ipv6(_ ifp: UInt64, device: UInt64, net: UInt64, ifname: String, ifindex: Int64) throws -> NetAddress {
        guard let i6Addr, let i6Prefix, let i6Scope, let i6Flags else {
            throw MemoryError.missing("struct inet6_ifaddr lacks addr/prefix_len/scope/flags in this kernel's type info")
        }
        let scope = try kernel.readUnsigned(ifp, i6Scope)
        let flags = try kernel.readUnsigned(ifp, i6Flags)
        return NetAddress(
            address: ifp, device: device, netns: net, ifname: ifname, ifindex: ifindex, family: "inet6",
            text: InetFormat.ipv6(try kernel.read(ifp + i6Addr.offset, count: 16)),
            prefixLength: try kernel.readUnsigned(ifp, i6Prefix),
            scope: InetFormat.ipv6ScopeName(scope), scopeRaw: scope,
            flags: flags,
            label: nil, broadcast: nil,
            validLifetime: try lifetime(ifp, i6Valid, flags: flags),
            preferredLifetime: try lifetime(ifp, i6Preferred, flags: flags))
    }
}
