import KdsqlMemory
import KdsqlDebugInfo

/// One network device as `ip link` and /sys/class/net describe it.
public struct NetDevice: Sendable {
    public var address: UInt64
    /// The `struct net` the device lives in, and that namespace's inode number.
    public var netns: UInt64
    public var netnsInum: UInt64?
    public var name: String
    public var ifindex: Int64
    public var mtu: UInt64
    /// `dev->flags`, what /sys/class/net/X/flags shows.
    public var flags: UInt64
    /// dev_get_flags(): flags plus RUNNING, LOWER_UP and DORMANT derived from
    /// the device state, what rtnetlink (and so `ip link`) reports.
    public var linkFlags: UInt64
    /// `<...>` text of `ip link`, without the brackets.
    public var flagsText: String
    public var operstate: String
    /// ARPHRD_* type (include/uapi/linux/if_arp.h): 1 ether, 772 loopback.
    public var type: UInt64
    public var mac: String?
    /// `rtnl_link_ops->kind` (`dummy`, `veth`, `bridge`); NULL for devices
    /// not created through rtnetlink (lo, physical NICs).
    public var kind: String?
    /// Driver of the parent device (`virtio_net`), else the symbol of
    /// `netdev_ops` (`loopback_ops`).
    public var driver: String?
    /// Where the counters were read (`lstats`, `tstats`, `stats`), NULL when
    /// the driver keeps them somewhere kdsql does not read.
    public var statsSource: String?
    public var rxPackets: UInt64?
    public var rxBytes: UInt64?
    public var txPackets: UInt64?
    public var txBytes: UInt64?
}

/// Network namespaces and their devices, like crash's `net`: every
/// `struct net` on `net_namespace_list` (net/core/net_namespace.c), each
/// namespace's `dev_base_head` list of `net_device.dev_list`
/// (include/linux/netdevice.h, for_each_netdev).
public final class NetDevices {
    public let kernel: Kernel
    // struct net
    let netList: FieldRef, devBaseHead: FieldRef, nsInum: FieldRef?
    // struct net_device
    let devList: FieldRef, name: FieldRef, ifindex: FieldRef, mtu: FieldRef, flags: FieldRef
    let gflags: FieldRef?, state: FieldRef, operstate: FieldRef, type: FieldRef
    let devAddr: FieldRef, addrLen: FieldRef, ndNet: FieldRef
    let netdevOps: FieldRef, rtnlLinkOps: FieldRef, parent: FieldRef?
    let stats: FieldRef, lstats: FieldRef?, tstats: FieldRef?
    let ipPtr: FieldRef, ip6Ptr: FieldRef?
    // Other structs
    let opsGetStats64: FieldRef, opsGetStats: FieldRef, linkKind: FieldRef
    let deviceDriver: FieldRef?, driverName: FieldRef?
    let statsRxPackets: FieldRef, statsTxPackets: FieldRef, statsRxBytes: FieldRef, statsTxBytes: FieldRef
    // enum netdev_state_t bits (include/linux/netdevice.h)
    let stateStart: Int64, stateNoCarrier: Int64, stateDormant: Int64

    /// More devices than any real namespace has means a corrupt list.
    static let deviceLimit = 1_000_000

    /// Names ops tables, module ones included (`dummy_netdev_ops [dummy]`).
    let names: AddressNames

    public init(kernel: Kernel, names: AddressNames? = nil) throws {
        self.kernel = kernel
        self.names = names ?? AddressNames(kernel: kernel)
        netList = try kernel.field("struct net", "list")
        devBaseHead = try kernel.field("struct net", "dev_base_head")
        nsInum = try? kernel.field("struct net", oneOf: ["ns.inum", "proc_inum"]) // proc_inum before 3.19
        let d = "struct net_device"
        devList = try kernel.field(d, "dev_list")
        name = try kernel.field(d, "name")
        ifindex = try kernel.field(d, "ifindex")
        mtu = try kernel.field(d, "mtu")
        flags = try kernel.field(d, "flags")
        gflags = try? kernel.field(d, "gflags")
        state = try kernel.field(d, "state")
        operstate = try kernel.field(d, "operstate")
        type = try kernel.field(d, "type")
        // dev_addr became a const pointer in 5.17 (commit adeef3e32146);
        // before that it was the same `unsigned char *`.
        devAddr = try kernel.field(d, "dev_addr")
        addrLen = try kernel.field(d, "addr_len")
        ndNet = try kernel.field(d, "nd_net")
        netdevOps = try kernel.field(d, "netdev_ops")
        rtnlLinkOps = try kernel.field(d, "rtnl_link_ops")
        parent = try? kernel.field(d, "dev.parent")
        stats = try kernel.field(d, "stats")
        lstats = try? kernel.field(d, "lstats")
        tstats = try? kernel.field(d, "tstats")
        ipPtr = try kernel.field(d, "ip_ptr")
        ip6Ptr = try? kernel.field(d, "ip6_ptr")
        opsGetStats64 = try kernel.field("struct net_device_ops", "ndo_get_stats64")
        opsGetStats = try kernel.field("struct net_device_ops", "ndo_get_stats")
        linkKind = try kernel.field("struct rtnl_link_ops", "kind")
        deviceDriver = try? kernel.field("struct device", "driver")
        driverName = try? kernel.field("struct device_driver", "name")
        let s = "struct net_device_stats"
        statsRxPackets = try kernel.field(s, "rx_packets")
        statsTxPackets = try kernel.field(s, "tx_packets")
        statsRxBytes = try kernel.field(s, "rx_bytes")
        statsTxBytes = try kernel.field(s, "tx_bytes")
        // Fallbacks are the v6.1 values of enum netdev_state_t.
        stateStart = kernel.enumValue("netdev_state_t", "__LINK_STATE_START", fallback: 0)
        stateNoCarrier = kernel.enumValue("netdev_state_t", "__LINK_STATE_NOCARRIER", fallback: 2)
        stateDormant = kernel.enumValue("netdev_state_t", "__LINK_STATE_DORMANT", fallback: 4)
    }

    // MARK: Walking

    /// Every network namespace, init_net first (it heads the list's
    /// insertion order: setup_net adds namespaces at the tail).
    public func namespaces() throws -> [UInt64] {
        let head = try kernel.address(of: "net_namespace_list")
        return try kernel.resilientListNodes(head: head, what: "net_namespace_list", object: "struct net", offset: netList.offset,
                                             limit: Self.deviceLimit).map { $0 - netList.offset }
    }

    /// Addresses of the devices of one namespace, in ifindex-registration order.
    public func deviceAddresses(in net: UInt64) throws -> [UInt64] {
        try kernel.resilientListNodes(head: net + devBaseHead.offset, what: "dev_base_head of net 0x\(String(net, radix: 16))",
                                      object: "net_device", offset: devList.offset, limit: Self.deviceLimit).map { $0 - devList.offset }
    }

    /// Every device of every namespace.
    public func all() throws -> [NetDevice] {
        try namespaces().flatMap { net in
            try deviceAddresses(in: net).compactMap { dev in
                do {
                    return try device(at: dev, net: net)
                } catch {
                    try kernel.warnings.skip("net_device", at: dev, because: error)
                    return nil
                }
            }
        }
    }

    public func inum(ofNamespace net: UInt64) -> UInt64? {
        nsInum.flatMap { try? kernel.readUnsigned(net, $0) }
    }

    // MARK: One device

    public func device(at dev: UInt64, net knownNet: UInt64? = nil) throws -> NetDevice {
        let net = try knownNet ?? kernel.readPointer(dev, ndNet)
        let rawFlags = try kernel.readUnsigned(dev, flags)
        let oper = try kernel.readUnsigned(dev, operstate)
        let link = try linkFlags(dev, flags: rawFlags, operstate: oper)
        let kind = try self.kind(dev)
        var device = NetDevice(
            address: dev, netns: net, netnsInum: inum(ofNamespace: net),
            name: try kernel.readCharArray(dev, name),
            ifindex: try kernel.readSigned(dev, ifindex),
            mtu: try kernel.readUnsigned(dev, mtu),
            flags: rawFlags, linkFlags: link, flagsText: NetDeviceFlags.ipLinkText(link),
            operstate: NetDeviceFlags.operstateName(oper),
            type: try kernel.readUnsigned(dev, type),
            mac: try? mac(dev), kind: kind, driver: try? driver(dev),
            statsSource: nil)
        if let counters = try? counters(dev, kind: kind) {
            device.statsSource = counters.source
            device.rxPackets = counters.rxPackets
            device.rxBytes = counters.rxBytes
            device.txPackets = counters.txPackets
            device.txBytes = counters.txBytes
        }
        return device
    }

    /// dev_get_flags() (net/core/dev.c): the RUNNING, LOWER_UP and DORMANT
    /// bits are not stored in dev->flags but derived from dev->state and
    /// operstate; PROMISC and ALLMULTI come from gflags.
    func linkFlags(_ dev: UInt64, flags raw: UInt64, operstate oper: UInt64) throws -> UInt64 {
        let f = NetDeviceFlags.self
        var out = raw & ~(f.promisc | f.allmulti | f.running | f.lowerUp | f.dormant)
        if let gflags { out |= try kernel.readUnsigned(dev, gflags) & (f.promisc | f.allmulti) }
        let st = try kernel.readUnsigned(dev, state)
        func bit(_ n: Int64) -> Bool { n >= 0 && n < 64 && st & (1 << UInt64(n)) != 0 }
        if bit(stateStart) {
            // netif_oper_up(): IF_OPER_UP (6) or IF_OPER_UNKNOWN (0), include/uapi/linux/if.h
            if oper == 6 || oper == 0 { out |= f.running }
            if !bit(stateNoCarrier) { out |= f.lowerUp }
            if bit(stateDormant) { out |= f.dormant }
        }
        return out
    }

    /// The hardware address: `addr_len` bytes at `dev->dev_addr`.
    func mac(_ dev: UInt64) throws -> String? {
        let p = try kernel.readPointer(dev, devAddr)
        let n = Int(try kernel.readUnsigned(dev, addrLen))
        guard p != 0, n > 0, n <= 32 else { return nil }
        return InetFormat.mac(try kernel.read(p, count: n))
    }

    func kind(_ dev: UInt64) throws -> String? {
        let ops = try kernel.readPointer(dev, rtnlLinkOps)
        guard ops != 0 else { return nil }
        let k = try kernel.readPointer(ops, linkKind)
        return k == 0 ? nil : try kernel.readCString(k, maxLength: 64)
    }

    /// What `ethtool -i` calls the driver (dev->dev.parent->driver->name);
    /// virtual devices have no parent, so the netdev_ops symbol names them.
    func driver(_ dev: UInt64) throws -> String? {
        if let parent, let deviceDriver, let driverName {
            let p = try kernel.readPointer(dev, parent)
            if p != 0 {
                let drv = try kernel.readPointer(p, deviceDriver)
                if drv != 0 {
                    let n = try kernel.readPointer(drv, driverName)
                    if n != 0 { return try kernel.readCString(n, maxLength: 64) }
                }
            }
        }
        let ops = try kernel.readPointer(dev, netdevOps)
        return ops == 0 ? nil : exactSymbol(ops)
    }

    /// The symbol starting exactly at `address` (an ops table or function),
    /// with ` [module]` for a module's; nil when the address is inside or
    /// outside every symbol.
    func exactSymbol(_ address: UInt64) -> String? { names.exactName(address) }

    struct Counters {
        var source: String
        var rxPackets, rxBytes, txPackets, txBytes: UInt64
    }

    /// Packet and byte counters where dev_get_stats() (net/core/dev.c) would
    /// find them without calling into a driver:
    /// - lo: loopback_get_stats64 sums the per-CPU `lstats` and reports the
    ///   sum as both rx and tx (drivers/net/loopback.c);
    /// - dummy: dummy_get_stats64 reports the `lstats` sum as tx only
    ///   (drivers/net/dummy.c, v5.6+);
    /// - drivers whose ndo_get_stats64 is dev_get_tstats64 (tunnels): per-CPU `tstats`;
    /// - drivers with neither ndo_get_stats64 nor ndo_get_stats: `dev->stats`.
    /// Others (virtio_net keeps per-queue counters in its private area, whose
    /// type is in the module's BTF) give nil.
    func counters(_ dev: UInt64, kind: String?) throws -> Counters? {
        let ops = try kernel.readPointer(dev, netdevOps)
        guard ops != 0 else { return nil }
        let get64 = try kernel.readPointer(ops, opsGetStats64)
        let get = try kernel.readPointer(ops, opsGetStats)
        let get64Name = get64 == 0 ? nil : exactSymbol(get64)
        if get64Name == "loopback_get_stats64" || get64Name == "blackhole_netdev_get_stats64" {
            guard let (packets, bytes) = try lstatsSum(dev) else { return nil }
            return Counters(source: "lstats", rxPackets: packets, rxBytes: bytes, txPackets: packets, txBytes: bytes)
        }
        if kind == "dummy" {
            guard let (packets, bytes) = try lstatsSum(dev) else { return nil }
            return Counters(source: "lstats", rxPackets: 0, rxBytes: 0, txPackets: packets, txBytes: bytes)
        }
        if get64Name == "dev_get_tstats64" { return try tstatsSum(dev) }
        if get64 == 0 && get == 0 {
            let s = dev + stats.offset
            return Counters(source: "stats",
                            rxPackets: try kernel.readUnsigned(s, statsRxPackets), rxBytes: try kernel.readUnsigned(s, statsRxBytes),
                            txPackets: try kernel.readUnsigned(s, statsTxPackets), txBytes: try kernel.readUnsigned(s, statsTxBytes))
        }
        return nil
    }

    /// dev_lstats_read() (include/linux/netdevice.h): packets and bytes summed
    /// over the possible CPUs.
    func lstatsSum(_ dev: UInt64) throws -> (UInt64, UInt64)? {
        guard let lstats else { return nil }
        let base = try kernel.readPointer(dev, lstats)
        guard base != 0 else { return nil }
        let packets = try kernel.field("struct pcpu_lstats", "packets")
        let bytes = try kernel.field("struct pcpu_lstats", "bytes")
        var p: UInt64 = 0, b: UInt64 = 0
        for cpu in try perCPUAddresses(base) {
            p &+= try kernel.readUnsigned(cpu, packets)
            b &+= try kernel.readUnsigned(cpu, bytes)
        }
        return (p, b)
    }

    func tstatsSum(_ dev: UInt64) throws -> Counters? {
        guard let tstats else { return nil }
        let base = try kernel.readPointer(dev, tstats)
        guard base != 0 else { return nil }
        let t = "struct pcpu_sw_netstats"
        let f = try ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes"].map { try kernel.field(t, $0) }
        var sums = [UInt64](repeating: 0, count: 4)
        for cpu in try perCPUAddresses(base) {
            for i in 0..<4 { sums[i] &+= try kernel.readUnsigned(cpu, f[i]) }
        }
        return Counters(source: "tstats", rxPackets: sums[0], rxBytes: sums[1], txPackets: sums[2], txBytes: sums[3])
    }

    /// per_cpu_ptr() of a dynamically allocated per-CPU pointer for every possible CPU.
    func perCPUAddresses(_ base: UInt64) throws -> [UInt64] {
        let offsets = try kernel.address(of: "__per_cpu_offset")
        return try kernel.possibleCPUs().map { base &+ (try kernel.readU64(offsets + UInt64($0) * 8)) }
    }
}
