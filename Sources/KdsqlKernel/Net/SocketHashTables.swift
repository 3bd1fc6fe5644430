import KdsqlMemory
import KdsqlDebugInfo

/// The sockets the kernel finds incoming packets through, whether or not a
/// process still holds them (crash's `net -s` shows only file-held ones):
///
/// - TCP: `struct inet_hashinfo` (include/net/inet_hashtables.h). Listening
///   sockets are in `lhash2[0..lhash2_mask]`, whose buckets are
///   `hlist_nulls_head`s of `sk_nulls_node` since 5.19 (commit cae3873c5b3a
///   retired the port-only listening_hash); everything else (ESTABLISHED
///   .. CLOSING, TIME_WAIT and NEW_SYN_RECV mini sockets) is in
///   `ehash[0..ehash_mask]`, also chained through `sk_nulls_node`. Since 6.1
///   a namespace may have its own table (net->ipv4.tcp_death_row.hashinfo,
///   commit d1e5e6408b30); the global one is `tcp_hashinfo`.
/// - UDP/UDP-Lite: `struct udp_table` (include/net/udp.h): `hash[0..mask]`
///   slots chained through `sk_node` by local port (udp_lib_get_port,
///   net/ipv4/udp.c); IPv6 sockets are in the same table. Global `udp_table`
///   and `udplite_table` up to 6.1, per namespace (net->ipv4.udp_table) from 6.2.
///
/// An hlist_nulls chain ends at an odd "nulls" marker instead of NULL
/// (include/linux/list_nulls.h).
public final class SocketHashTables {
    public let kernel: Kernel
    // struct inet_hashinfo
    let ehash: FieldRef, ehashMask: FieldRef, lhash2: FieldRef?, lhash2Mask: FieldRef?
    let listenBucketSize: Int, listenHead: FieldRef?
    // struct udp_table / udp_hslot
    let udpHash: FieldRef, udpMask: FieldRef, hslotSize: Int, hslotHead: FieldRef
    // struct sock
    let nullsNode: FieldRef, node: FieldRef
    /// Before 5.19 lhash2 chains plain hlists through
    /// `inet_csk(sk)->icsk_listen_portaddr_node` (include/net/inet_connection_sock.h;
    /// inet_hash2() in net/ipv4/inet_hashtables.c of 5.10), not sk_nulls_node:
    /// the member exists exactly on those kernels.
    let listenPortaddrNode: FieldRef?
    // per-namespace tables
    let netHashinfo: FieldRef?, netUdpTable: FieldRef?

    /// Bucket counts beyond this mean a corrupt mask (the kernel caps ehash
    /// far lower: alloc_large_system_hash with a 512K..16M entry limit).
    static let bucketLimit: UInt64 = 1 << 26
    /// Sockets per chain beyond this mean a loop.
    static let chainLimit = 1_000_000

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let h = "struct inet_hashinfo"
        ehash = try kernel.field(h, "ehash")
        ehashMask = try kernel.field(h, "ehash_mask")
        lhash2 = try? kernel.field(h, "lhash2")          // since 4.16
        lhash2Mask = try? kernel.field(h, "lhash2_mask")
        // inet_listen_hashbucket.nulls_head since 5.19; `head` (hlist) before.
        listenHead = try? kernel.field("struct inet_listen_hashbucket", "nulls_head")
        listenBucketSize = (try? kernel.size(of: "struct inet_listen_hashbucket")) ?? 0
        udpHash = try kernel.field("struct udp_table", "hash")
        udpMask = try kernel.field("struct udp_table", "mask")
        hslotSize = try kernel.size(of: "struct udp_hslot")
        hslotHead = try kernel.field("struct udp_hslot", "head")
        nullsNode = try kernel.field("struct sock", "__sk_common.skc_nulls_node")
        node = try kernel.field("struct sock", "__sk_common.skc_node")
        listenPortaddrNode = try? kernel.field("struct inet_connection_sock", "icsk_listen_portaddr_node")
        netHashinfo = try? kernel.field("struct net", "ipv4.tcp_death_row.hashinfo") // 6.1
        netUdpTable = try? kernel.field("struct net", "ipv4.udp_table")               // 6.2+
    }

    public enum Table: String, Sendable { case tcpListen = "tcp-listen", tcpEstablished = "tcp-ehash", udp, udplite }

    /// Every hashed socket once, listening TCP first, then established TCP,
    /// then UDP and UDP-Lite.
    public func all(namespaces: [UInt64]) throws -> [(table: Table, sock: UInt64)] {
        var out: [(Table, UInt64)] = []
        var seen = Set<UInt64>()
        func add(_ t: Table, _ socks: [UInt64]) { for s in socks where seen.insert(s).inserted { out.append((t, s)) } }
        let tcpTables = try tcpHashinfos(namespaces: namespaces)
        for info in tcpTables { add(.tcpListen, try listening(hashinfo: info)) }
        for info in tcpTables { add(.tcpEstablished, try established(hashinfo: info)) }
        for table in try udpTables(namespaces: namespaces) { add(.udp, try udp(table: table)) }
        if let lite = kernel.symbols.address(of: "udplite_table") { add(.udplite, try udp(table: lite)) }
        return out
    }

    /// The distinct inet_hashinfo tables: the global one and any per-namespace ones.
    public func tcpHashinfos(namespaces: [UInt64]) throws -> [UInt64] {
        var tables: [UInt64] = []
        if let global = kernel.symbols.address(of: "tcp_hashinfo") { tables.append(global) }
        if let netHashinfo {
            for net in namespaces {
                let t = try kernel.readPointer(net, netHashinfo)
                if t != 0 && !tables.contains(t) { tables.append(t) }
            }
        }
        guard !tables.isEmpty else { throw DebugInfoError.unknownSymbol("tcp_hashinfo") }
        return tables
    }

    public func udpTables(namespaces: [UInt64]) throws -> [UInt64] {
        var tables: [UInt64] = []
        if let global = kernel.symbols.address(of: "udp_table") { tables.append(global) }
        if let netUdpTable {
            for net in namespaces {
                let t = try kernel.readPointer(net, netUdpTable)
                if t != 0 && !tables.contains(t) { tables.append(t) }
            }
        }
        return tables
    }

    /// Listening TCP sockets of one hashinfo.
    public func listening(hashinfo: UInt64) throws -> [UInt64] {
        guard let lhash2, let lhash2Mask, let listenHead = listenPortaddrNode == nil ? listenHead : listenPlainHead,
              listenBucketSize > 0 else {
            throw MemoryError.missing("this kernel's inet_hashinfo has no lhash2 of nulls lists (older than 5.19); kdsql reads listening sockets only through their files")
        }
        let buckets = try kernel.readPointer(hashinfo, lhash2)
        let count = try kernel.readUnsigned(hashinfo, lhash2Mask) + 1
        guard buckets != 0 else { return [] }
        try checkBuckets(count, "tcp lhash2_mask")
        let bytes = try kernel.read(buckets, count: Int(count) * listenBucketSize)
        var out: [UInt64] = []
        for i in 0..<Int(count) {
            let first = load(bytes, at: i * listenBucketSize + Int(listenHead.offset))
            if let portaddr = listenPortaddrNode {
                out += try plainChain(first: first, nodeOffset: portaddr.offset, what: "tcp lhash2[\(i)]")
            } else {
                out += try nullsChain(first: first, what: "tcp lhash2[\(i)]")
            }
        }
        return out
    }

    /// ESTABLISHED..CLOSING sockets and TIME_WAIT/NEW_SYN_RECV mini sockets.
    public func established(hashinfo: UInt64) throws -> [UInt64] {
        let buckets = try kernel.readPointer(hashinfo, ehash)
        let count = try kernel.readUnsigned(hashinfo, ehashMask) + 1
        guard buckets != 0 else { return [] }
        try checkBuckets(count, "tcp ehash_mask")
        // struct inet_ehash_bucket is one hlist_nulls_head: 8 bytes a bucket.
        let bytes = try kernel.read(buckets, count: Int(count) * 8)
        var out: [UInt64] = []
        for i in 0..<Int(count) {
            out += try nullsChain(first: load(bytes, at: i * 8), what: "tcp ehash[\(i)]")
        }
        return out
    }

    /// Sockets of one udp_table (primary, port-keyed hash).
    public func udp(table: UInt64) throws -> [UInt64] {
        let slots = try kernel.readPointer(table, udpHash)
        let count = try kernel.readUnsigned(table, udpMask) + 1
        guard slots != 0 else { return [] }
        try checkBuckets(count, "udp_table mask")
        let bytes = try kernel.read(slots, count: Int(count) * hslotSize)
        var out: [UInt64] = []
        for i in 0..<Int(count) {
            var seen = Set<UInt64>()
            var n = load(bytes, at: i * hslotSize + Int(hslotHead.offset))
            while n != 0 {
                guard seen.insert(n).inserted, seen.count <= Self.chainLimit else {
                    throw MemoryError.cycle(what: "udp hash slot \(i)", at: n)
                }
                out.append(n - node.offset)
                do {
                    n = try kernel.readU64(n)
                } catch {
                    // This sock is not in the dump: it and the rest of the chain are lost.
                    try kernel.warnings.skip("struct sock (udp hash chain)", at: out.removeLast(), because: error)
                    break
                }
            }
        }
        return out
    }

    /// inet_listen_hashbucket.head (hlist_head) of kernels before 5.19.
    var listenPlainHead: FieldRef? { try? kernel.field("struct inet_listen_hashbucket", "head") }

    /// An hlist ending at NULL; `nodeOffset` is where the node sits in the sock.
    func plainChain(first: UInt64, nodeOffset: UInt64, what: String) throws -> [UInt64] {
        var out: [UInt64] = []
        var seen = Set<UInt64>()
        var n = first
        while n != 0 {
            guard seen.insert(n).inserted, seen.count <= Self.chainLimit else { throw MemoryError.cycle(what: what, at: n) }
            out.append(n - nodeOffset)
            n = try kernel.readU64(n)
        }
        return out
    }

    func nullsChain(first: UInt64, what: String) throws -> [UInt64] {
        var out: [UInt64] = []
        var seen = Set<UInt64>()
        var n = first
        while n & 1 == 0 && n != 0 {
            guard seen.insert(n).inserted, seen.count <= Self.chainLimit else { throw MemoryError.cycle(what: what, at: n) }
            out.append(n - nullsNode.offset)
            do {
                n = try kernel.readU64(n)
            } catch {
                // This sock is not in the dump: it and the rest of the chain are lost.
                try kernel.warnings.skip("struct sock (\(what.prefix { $0 != "[" }) chain)", at: out.removeLast(), because: error)
                break
            }
        }
        return out
    }

    func checkBuckets(_ count: UInt64, _ what: String) throws {
        guard count <= Self.bucketLimit else {
            throw MemoryError.typeMismatch("\(what) says \(count) buckets (more than \(Self.bucketLimit)); the table header is corrupt")
        }
    }

    func load(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
    }
}
