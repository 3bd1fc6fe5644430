import KdsqlMemory
import KdsqlDebugInfo

/// One neighbour cache entry (ARP or IPv6 ND), as `ip neigh` shows it.
public struct Neighbour: Sendable, Equatable {
    public var address: UInt64
    public var netns: UInt64
    public var netnsInum: UInt64?
    public var ifname: String
    /// `inet` (ARP) or `inet6` (neighbour discovery).
    public var family: String
    /// The protocol address (primary_key).
    public var destination: String
    /// Link-layer address, NULL while unresolved (INCOMPLETE, FAILED, NONE).
    public var lladdr: String?
    /// NUD state by name as `ip neigh` prints it (PERMANENT, REACHABLE, STALE, ...).
    public var state: String
    public var stateRaw: UInt64
    /// NTF_* flags (0x80 router).
    public var flags: UInt64
    public var isRouter: Bool { flags & 0x80 != 0 }
}

/// Neighbour tables (net/core/neighbour.c, include/net/neighbour.h):
/// `arp_tbl` (net/ipv4/arp.c) and `nd_tbl` (net/ipv6/ndisc.c) hold every
/// namespace's entries in one hash, `tbl->nht` (struct neigh_hash_table),
/// of 2^hash_shift buckets. Up to 6.12 a bucket is a chain of
/// `struct neighbour` linked by `next`; 6.13 made it an hlist
/// (`hash_heads`, `neighbour.hash`) — both are read. An entry's namespace
/// is its device's (`dev->nd_net`).
public final class Neighbours {
    public let kernel: Kernel
    let nht: FieldRef, keyLen: FieldRef, family: FieldRef
    let buckets: FieldRef?, heads: FieldRef?, hashShift: FieldRef
    let next: FieldRef?, hashNode: FieldRef?, nudState: FieldRef, flags: FieldRef, ha: FieldRef, dev: FieldRef, primaryKey: FieldRef
    let devName: FieldRef, devAddrLen: FieldRef, devNet: FieldRef, netInum: FieldRef?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let t = "struct neigh_table"
        nht = try kernel.field(t, "nht")
        keyLen = try kernel.field(t, "key_len")
        family = try kernel.field(t, "family")
        let h = "struct neigh_hash_table"
        buckets = try? kernel.field(h, "hash_buckets")
        heads = try? kernel.field(h, "hash_heads")
        hashShift = try kernel.field(h, "hash_shift")
        let n = "struct neighbour"
        next = try? kernel.field(n, "next")
        hashNode = try? kernel.field(n, "hash")
        nudState = try kernel.field(n, "nud_state")
        flags = try kernel.field(n, "flags")
        ha = try kernel.field(n, "ha")
        dev = try kernel.field(n, "dev")
        primaryKey = try kernel.field(n, "primary_key")
        devName = try kernel.field("struct net_device", "name")
        devAddrLen = try kernel.field("struct net_device", "addr_len")
        devNet = try kernel.field("struct net_device", "nd_net")
        netInum = try? kernel.field("struct net", oneOf: ["ns.inum", "proc_inum"])
    }

    /// `ip neigh`'s state names (include/uapi/linux/neighbour.h NUD_*):
    /// the lowest set bit names the state.
    public static func stateName(_ s: UInt64) -> String {
        let names: [(UInt64, String)] = [(0x01, "INCOMPLETE"), (0x02, "REACHABLE"), (0x04, "STALE"), (0x08, "DELAY"),
                                         (0x10, "PROBE"), (0x20, "FAILED"), (0x40, "NOARP"), (0x80, "PERMANENT")]
        return names.first { s & $0.0 != 0 }?.1 ?? "NONE"
    }

    /// Entries of the ARP and ND tables (whichever this kernel has).
    public func all() throws -> [Neighbour] {
        var out: [Neighbour] = []
        for symbol in ["arp_tbl", "nd_tbl"] {
            guard let table = try? kernel.address(of: symbol) else { continue }
            out += try entries(table: table)
        }
        return out
    }

    func entries(table: UInt64) throws -> [Neighbour] {
        let hashTable = try kernel.readPointer(table, nht)
        guard hashTable != 0 else { return [] }
        let shift = try kernel.readUnsigned(hashTable, hashShift)
        guard shift < 32 else { throw MemoryError.typeMismatch("neigh_hash_table at 0x\(String(hashTable, radix: 16)): hash_shift \(shift)") }
        let famValue = try kernel.readUnsigned(table, family)
        let keyBytes = Int(try kernel.readUnsigned(table, keyLen))
        var out: [Neighbour] = []
        if let buckets, let next {
            let array = try kernel.readPointer(hashTable, buckets)
            for i in 0..<(UInt64(1) << shift) {
                var n = try kernel.readU64(array + i * 8)
                var steps = 0
                while n != 0 {
                    steps += 1
                    guard steps < 1_000_000 else { throw MemoryError.cycle(what: "neighbour hash chain", at: n) }
                    out.append(try entry(n, family: famValue, keyBytes: keyBytes))
                    n = try kernel.readPointer(n, next)
                }
            }
        } else if let heads, let hashNode {
            let array = try kernel.readPointer(hashTable, heads)
            for i in 0..<(UInt64(1) << shift) {
                for node in try kernel.hlistNodes(head: array + i * 8, what: "neighbour hash chain", limit: 1_000_000) {
                    out.append(try entry(node - hashNode.offset, family: famValue, keyBytes: keyBytes))
                }
            }
        }
        return out
    }

    func entry(_ n: UInt64, family fam: UInt64, keyBytes: Int) throws -> Neighbour {
        let d = try kernel.readPointer(n, dev)
        let net = d == 0 ? 0 : try kernel.readU64(d + devNet.offset)
        let state = try kernel.readUnsigned(n, nudState)
        let key = try kernel.read(n + primaryKey.offset, count: keyBytes)
        // NUD_VALID (include/net/neighbour.h): states with a usable lladdr.
        let valid: UInt64 = 0x80 | 0x40 | 0x02 | 0x10 | 0x04 | 0x08
        var lladdr: String? = nil
        if state & valid != 0, d != 0 {
            let len = Int(try kernel.readUnsigned(d, devAddrLen))
            if len > 0 { lladdr = InetFormat.mac(try kernel.read(n + ha.offset, count: min(len, ha.size))) }
        }
        return Neighbour(address: n, netns: net, netnsInum: try netInum.map { net == 0 ? 0 : try kernel.readUnsigned(net, $0) },
                         ifname: d == 0 ? "" : try kernel.readCharArray(d, devName),
                         family: fam == 10 ? "inet6" : "inet",
                         destination: keyBytes == 16 ? InetFormat.ipv6(key) : InetFormat.ipv4(Array(key.prefix(4))),
                         lladdr: lladdr, state: Self.stateName(state), stateRaw: state,
                         flags: try kernel.readUnsigned(n, flags))
    }
}
