import KdsqlMemory
import KdsqlDebugInfo

/// One route of a FIB table, as `ip route show table all` / /proc/net/route
/// and /proc/net/ipv6_route show it.
public struct Route: Sendable, Equatable {
    public var netns: UInt64
    public var netnsInum: UInt64?
    /// inet or inet6.
    public var family: String
    /// Table id: 254 main, 255 local, 253 default.
    public var table: UInt64
    public var destination: String
    public var prefixLength: Int
    public var gateway: String?
    public var ifname: String?
    /// Priority (fib_priority / fib6_metric).
    public var metric: UInt64
    /// rt_scope_t name for IPv4 (global, site, link, host, nowhere); nil for IPv6.
    public var scope: String?
    /// RTN_* type name: unicast, local, broadcast, multicast, blackhole, unreachable, prohibit, ...
    public var type: String
    public var protocolNumber: UInt64
    /// The fib_alias (IPv4) or fib6_info (IPv6).
    public var address: UInt64

    public static func tableName(_ id: UInt64) -> String {
        switch id { case 253: return "default"; case 254: return "main"; case 255: return "local"; default: return String(id) }
    }
}

/// FIB tables of every network namespace.
///
/// IPv4 (net/ipv4/fib_trie.c): `net->ipv4.fib_table_hash` buckets (256 with
/// CONFIG_IP_MULTIPLE_TABLES, else 2) of `struct fib_table` (`tb_hlist`),
/// each `tb_data` a `struct trie` whose `kv[0].tnode[0]` is the root of an
/// LC-trie of `struct key_vector`: a node with `bits` > 0 has 2^bits
/// children in `tnode[]`, a leaf (`bits` 0) an hlist of `struct fib_alias`
/// (`fa_list`). A leaf's key is the destination in host order; an alias's
/// prefix length is 32 - `fa_slen`. Main and local tables share one trie
/// until custom rules split them (fib_trie_unmerge), so aliases are kept by
/// `fa->tb_id`. Next hops: `fib_info.fib_nh[]` (struct fib_nh embedding
/// struct fib_nh_common since 5.3), or a `nexthop` object (5.3+), whose
/// device and gateway are not read here (NULL).
///
/// IPv6 (net/ipv6/ip6_fib.c): `net->ipv6.fib_table_hash` (256 buckets with
/// CONFIG_IPV6_MULTIPLE_TABLES, else 1) of `struct fib6_table`
/// (`tb6_hlist`); `tb6_root` is a radix tree of `struct fib6_node`
/// (`left`, `right`); nodes with RTN_RTINFO carry routes, a `fib6_info`
/// chain through `fib6_next` (since 4.19; rt6_info before).
public final class Routes {
    public let kernel: Kernel
    let devices: NetDevices
    // IPv4
    let v4Hash: FieldRef, v4Buckets: Int, tbHlist: FieldRef, tbId: FieldRef, tbData: FieldRef
    let trieKv: FieldRef, kvKey: FieldRef, kvBits: FieldRef, kvTnode: FieldRef, kvLeaf: FieldRef
    let faList: FieldRef, faInfo: FieldRef, faType: FieldRef, faSlen: FieldRef, faTbId: FieldRef
    let fiPriority: FieldRef, fiScope: FieldRef, fiProtocol: FieldRef, fiNhs: FieldRef, fiNh: FieldRef, fiNexthop: FieldRef?
    let fibNhSize: UInt64
    let nhcDev: FieldRef, nhcGw: FieldRef, nhcGwFamily: FieldRef
    // IPv6
    let v6Hash: FieldRef?, v6Buckets: Int, tb6Hlist: FieldRef?, tb6Id: FieldRef?, tb6Root: FieldRef?
    let fnLeft: FieldRef?, fnRight: FieldRef?, fnLeaf: FieldRef?, fnFlags: FieldRef?
    let f6Next: FieldRef?, f6Dst: FieldRef?, f6Plen: FieldRef?, f6Metric: FieldRef?, f6Type: FieldRef?, f6Protocol: FieldRef?
    let f6Nh: FieldRef?, f6Nexthop: FieldRef?
    let devName: FieldRef

    public init(kernel: Kernel, devices: NetDevices? = nil) throws {
        self.kernel = kernel
        self.devices = try devices ?? NetDevices(kernel: kernel)
        v4Hash = try kernel.field("struct net", "ipv4.fib_table_hash")
        // FIB_TABLE_HASHSZ (include/net/ip_fib.h): 256 with multiple tables,
        // which is also when netns_ipv4 has fib_has_custom_rules.
        v4Buckets = kernel.hasField("struct netns_ipv4", "fib_has_custom_rules") ? 256 : 2
        tbHlist = try kernel.field("struct fib_table", "tb_hlist")
        tbId = try kernel.field("struct fib_table", "tb_id")
        tbData = try kernel.field("struct fib_table", "tb_data")
        trieKv = try kernel.field("struct trie", "kv")
        let kv = "struct key_vector"
        kvKey = try kernel.field(kv, "key"); kvBits = try kernel.field(kv, "bits")
        kvTnode = try kernel.field(kv, "tnode"); kvLeaf = try kernel.field(kv, "leaf")
        let fa = "struct fib_alias"
        faList = try kernel.field(fa, "fa_list"); faInfo = try kernel.field(fa, "fa_info")
        faType = try kernel.field(fa, "fa_type"); faSlen = try kernel.field(fa, "fa_slen"); faTbId = try kernel.field(fa, "tb_id")
        let fi = "struct fib_info"
        fiPriority = try kernel.field(fi, "fib_priority"); fiScope = try kernel.field(fi, "fib_scope")
        fiProtocol = try kernel.field(fi, "fib_protocol"); fiNhs = try kernel.field(fi, "fib_nhs")
        fiNh = try kernel.field(fi, "fib_nh"); fiNexthop = try? kernel.field(fi, "nh")
        fibNhSize = UInt64(try kernel.size(of: "struct fib_nh"))
        let c = "struct fib_nh_common"
        nhcDev = try kernel.field(c, "nhc_dev"); nhcGw = try kernel.field(c, "nhc_gw"); nhcGwFamily = try kernel.field(c, "nhc_gw_family")
        v6Hash = try? kernel.field("struct net", "ipv6.fib_table_hash")
        v6Buckets = kernel.hasField("struct netns_ipv6", "fib6_rules_ops") ? 256 : 1
        tb6Hlist = try? kernel.field("struct fib6_table", "tb6_hlist")
        tb6Id = try? kernel.field("struct fib6_table", "tb6_id")
        tb6Root = try? kernel.field("struct fib6_table", "tb6_root")
        let n6 = "struct fib6_node"
        fnLeft = try? kernel.field(n6, "left"); fnRight = try? kernel.field(n6, "right")
        fnLeaf = try? kernel.field(n6, "leaf"); fnFlags = try? kernel.field(n6, "fn_flags")
        let f6 = "struct fib6_info"
        f6Next = try? kernel.field(f6, "fib6_next"); f6Dst = try? kernel.field(f6, "fib6_dst.addr")
        f6Plen = try? kernel.field(f6, "fib6_dst.plen"); f6Metric = try? kernel.field(f6, "fib6_metric")
        f6Type = try? kernel.field(f6, "fib6_type"); f6Protocol = try? kernel.field(f6, "fib6_protocol")
        f6Nh = try? kernel.field(f6, "fib6_nh"); f6Nexthop = try? kernel.field(f6, "nh")
        devName = try kernel.field("struct net_device", "name")
    }

    static func typeName(_ t: UInt64) -> String {
        // enum rtn_type (include/uapi/linux/rtnetlink.h).
        let names = ["unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable",
                     "prohibit", "throw", "nat", "xresolve"]
        return t < names.count ? names[Int(t)] : String(t)
    }

    static func scopeName(_ s: UInt64) -> String {
        switch s { case 0: return "global"; case 200: return "site"; case 253: return "link"; case 254: return "host"
        case 255: return "nowhere"; default: return String(s) }
    }

    /// Every route of every table of every namespace, IPv4 first.
    public func all() throws -> [Route] {
        var out: [Route] = []
        for net in try devices.namespaces() {
            out += try ipv4(net: net)
            out += (try? ipv6(net: net)) ?? []
        }
        return out
    }

    func tables(_ hashPtr: UInt64, buckets: Int, link: FieldRef) throws -> [UInt64] {
        guard hashPtr != 0 else { return [] }
        var out: [UInt64] = []
        for i in 0..<buckets {
            out += try kernel.hlistNodes(head: hashPtr + UInt64(i) * 8, what: "FIB table hash", limit: 100_000).map { $0 - link.offset }
        }
        return out
    }

    func nextHop(_ nhc: UInt64) throws -> (dev: String?, gw: String?) {
        let dev = try kernel.readPointer(nhc, nhcDev)
        let fam = try kernel.readUnsigned(nhc, nhcGwFamily)
        let gw: String?
        switch fam {
        case 2: gw = InetFormat.ipv4(try kernel.read(nhc + nhcGw.offset, count: 4))
        case 10: gw = InetFormat.ipv6(try kernel.read(nhc + nhcGw.offset, count: 16))
        default: gw = nil
        }
        return (dev == 0 ? nil : try kernel.readCharArray(dev, devName), gw)
    }

    public func ipv4(net: UInt64) throws -> [Route] {
        let inum = devices.inum(ofNamespace: net)
        var out: [Route] = []
        for tb in try tables(try kernel.readU64(net + v4Hash.offset), buckets: v4Buckets, link: tbHlist) {
            let id = try kernel.readUnsigned(tb, tbId)
            let trie = try kernel.readPointer(tb, tbData)
            guard trie != 0 else { continue }
            let root = try kernel.readU64(trie + trieKv.offset + kvTnode.offset)
            var stack: [(UInt64, Int)] = root == 0 ? [] : [(root, 0)]
            var visited = 0
            while let (n, depth) = stack.popLast() {
                visited += 1
                guard visited < 4_000_000, depth < 40 else { throw MemoryError.cycle(what: "fib trie", at: n) }
                let bits = try kernel.readUnsigned(n, kvBits)
                if bits == 0 {
                    let key = UInt32(truncatingIfNeeded: try kernel.readUnsigned(n, kvKey))
                    for node in try kernel.hlistNodes(head: n + kvLeaf.offset, what: "fib leaf", limit: 100_000) {
                        let fa = node - faList.offset
                        guard try kernel.readUnsigned(fa, faTbId) == id else { continue }
                        out.append(try alias(fa, key: key, table: id, net: net, inum: inum))
                    }
                } else {
                    guard bits <= 32 else { throw MemoryError.typeMismatch("fib trie node 0x\(String(n, radix: 16)) has \(bits) bits") }
                    for i in (0..<(UInt64(1) << bits)).reversed() {
                        let child = try kernel.readU64(n + kvTnode.offset + i * 8)
                        if child != 0 { stack.append((child, depth + 1)) }
                    }
                }
            }
        }
        return out
    }

    func alias(_ fa: UInt64, key: UInt32, table: UInt64, net: UInt64, inum: UInt64?) throws -> Route {
        let slen = Int(try kernel.readUnsigned(fa, faSlen))
        let fi = try kernel.readPointer(fa, faInfo)
        var hop: (dev: String?, gw: String?) = (nil, nil)
        var metric: UInt64 = 0, scope: UInt64 = 0, proto: UInt64 = 0
        if fi != 0 {
            metric = try kernel.readUnsigned(fi, fiPriority)
            scope = try kernel.readUnsigned(fi, fiScope)
            proto = try kernel.readUnsigned(fi, fiProtocol)
            let usesNexthopObject = try fiNexthop.map { try kernel.readPointer(fi, $0) != 0 } ?? false
            if !usesNexthopObject, try kernel.readSigned(fi, fiNhs) > 0 {
                hop = try nextHop(fi + fiNh.offset) // first hop; nh_common is the first member of struct fib_nh
            }
        }
        let be = key.byteSwapped // key is host order; InetFormat takes network order
        return Route(netns: net, netnsInum: inum, family: "inet", table: table,
                     destination: InetFormat.ipv4(networkOrder: be), prefixLength: 32 - slen, gateway: hop.gw, ifname: hop.dev,
                     metric: metric, scope: Self.scopeName(scope), type: Self.typeName(try kernel.readUnsigned(fa, faType)),
                     protocolNumber: proto, address: fa)
    }

    public func ipv6(net: UInt64) throws -> [Route] {
        guard let v6Hash, let tb6Hlist, let tb6Id, let tb6Root, let fnLeft, let fnRight, let fnLeaf, let fnFlags,
              let f6Next, let f6Dst, let f6Plen, let f6Metric, let f6Type, let f6Protocol, let f6Nh else { return [] }
        let inum = devices.inum(ofNamespace: net)
        var out: [Route] = []
        for tb in try tables(try kernel.readU64(net + v6Hash.offset), buckets: v6Buckets, link: tb6Hlist) {
            let id = try kernel.readUnsigned(tb, tb6Id)
            var stack: [UInt64] = [tb + tb6Root.offset]
            var visited = 0
            while let node = stack.popLast() {
                visited += 1
                guard visited < 4_000_000 else { throw MemoryError.cycle(what: "fib6 tree", at: node) }
                // RTN_RTINFO 0x4 (include/net/ip6_fib.h; RTN_TL_ROOT 1, RTN_ROOT 2): the node carries routes.
                if try kernel.readUnsigned(node, fnFlags) & 0x4 != 0 {
                    var rt = try kernel.readPointer(node, fnLeaf)
                    var steps = 0
                    while rt != 0 && steps < 100_000 {
                        let usesNexthopObject = try f6Nexthop.map { try kernel.readPointer(rt, $0) != 0 } ?? false
                        let hop: (dev: String?, gw: String?) = usesNexthopObject ? (nil, nil) : try nextHop(rt + f6Nh.offset)
                        out.append(Route(netns: net, netnsInum: inum, family: "inet6", table: id,
                                         destination: InetFormat.ipv6(try kernel.read(rt + f6Dst.offset, count: 16)),
                                         prefixLength: Int(try kernel.readUnsigned(rt, f6Plen)), gateway: hop.gw, ifname: hop.dev,
                                         metric: try kernel.readUnsigned(rt, f6Metric), scope: nil,
                                         type: Self.typeName(try kernel.readUnsigned(rt, f6Type)),
                                         protocolNumber: try kernel.readUnsigned(rt, f6Protocol), address: rt))
                        rt = try kernel.readPointer(rt, f6Next)
                        steps += 1
                    }
                }
                for f in [fnRight, fnLeft] {
                    let child = try kernel.readPointer(node, f)
                    if child != 0 { stack.append(child) }
                }
            }
        }
        return out
    }
}
