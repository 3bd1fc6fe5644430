import KdsqlMemory
import KdsqlDebugInfo

/// One socket as /proc/net/{tcp,udp} and `ss` describe it.
public struct SocketInfo: Sendable {
    /// `struct sock *` (or the `inet_timewait_sock`/`request_sock` for the
    /// mini sockets of TIME_WAIT and NEW_SYN_RECV).
    public var sock: UInt64
    public var netns: UInt64
    public var familyRaw: UInt64
    public var family: String
    /// `STREAM`, `DGRAM`, ...; nil for mini sockets, which have no sk_type.
    public var type: String?
    public var protocolRaw: UInt64?
    public var `protocol`: String?
    public var stateRaw: UInt64
    public var state: String
    /// Addresses and ports of AF_INET/AF_INET6 sockets; nil for other families.
    public var localAddress: String?
    public var localPort: UInt64?
    public var remoteAddress: String?
    public var remotePort: UInt64?
    /// Inode number of the socket's inode (sock_i_ino); nil when the sock has
    /// no struct socket (mini sockets, orphans).
    public var inode: UInt64?
    /// sk_uid, what /proc/net/tcp's uid column shows (sock_i_uid).
    public var uid: UInt64?
    public var rxQueue: Int64?
    public var txQueue: Int64?

    /// AF_INET or AF_INET6 (the families with addresses and ports).
    public var isInet: Bool { familyRaw == 2 || familyRaw == 10 }
}

/// Decodes a `struct sock` (include/net/sock.h: struct sock_common is its
/// first member, so the mini sockets share the address/port/state layout)
/// the way /proc/net/tcp (get_tcp4_sock/get_tcp6_sock, net/ipv4/tcp_ipv4.c,
/// net/ipv6/tcp_ipv6.c) and /proc/net/udp (udp4_format_sock, net/ipv4/udp.c)
/// do.
public final class Sockets {
    public let kernel: Kernel
    // struct sock_common (through struct sock's first member)
    let family: FieldRef, state: FieldRef, rcvSaddr: FieldRef, daddr: FieldRef, num: FieldRef, dport: FieldRef
    let v6RcvSaddr: FieldRef?, v6Daddr: FieldRef?, skNet: FieldRef
    // struct sock
    let skType: FieldRef, skProtocol: FieldRef, skUid: FieldRef, skSocket: FieldRef, ackBacklog: FieldRef
    let wmemAlloc: FieldRef, rmemAlloc: FieldRef
    // struct tcp_sock / udp_sock
    let rcvNxt: FieldRef, copiedSeq: FieldRef, writeSeq: FieldRef, sndUna: FieldRef, forwardDeficit: FieldRef?
    // struct socket → its inode (SOCK_INODE: struct socket_alloc {socket; vfs_inode})
    let socketSk: FieldRef, inodeDelta: UInt64, iIno: FieldRef

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let s = "struct sock"
        family = try kernel.field(s, "__sk_common.skc_family")
        state = try kernel.field(s, "__sk_common.skc_state")
        rcvSaddr = try kernel.field(s, "__sk_common.skc_rcv_saddr")
        daddr = try kernel.field(s, "__sk_common.skc_daddr")
        num = try kernel.field(s, "__sk_common.skc_num")
        dport = try kernel.field(s, "__sk_common.skc_dport")
        v6RcvSaddr = try? kernel.field(s, "__sk_common.skc_v6_rcv_saddr") // CONFIG_IPV6 only
        v6Daddr = try? kernel.field(s, "__sk_common.skc_v6_daddr")
        skNet = try kernel.field(s, "__sk_common.skc_net")
        // sk_type/sk_protocol were bitfields until 5.6 (commit bf9765145b85);
        // FieldRef reads both forms.
        skType = try kernel.field(s, "sk_type")
        skProtocol = try kernel.field(s, "sk_protocol")
        skUid = try kernel.field(s, "sk_uid")
        skSocket = try kernel.field(s, "sk_socket")
        ackBacklog = try kernel.field(s, "sk_ack_backlog")
        wmemAlloc = try kernel.field(s, "sk_wmem_alloc")
        // #define sk_rmem_alloc sk_backlog.rmem_alloc (include/net/sock.h)
        rmemAlloc = try kernel.field(s, "sk_backlog.rmem_alloc")
        rcvNxt = try kernel.field("struct tcp_sock", "rcv_nxt")
        copiedSeq = try kernel.field("struct tcp_sock", "copied_seq")
        writeSeq = try kernel.field("struct tcp_sock", "write_seq")
        sndUna = try kernel.field("struct tcp_sock", "snd_una")
        forwardDeficit = try? kernel.field("struct udp_sock", "forward_deficit") // since 4.13
        socketSk = try kernel.field("struct socket", "sk")
        let sa = "struct socket_alloc"
        inodeDelta = try kernel.field(sa, "vfs_inode").offset &- kernel.field(sa, "socket").offset
        iIno = try kernel.field("struct inode", "i_ino")
    }

    /// The sock a `struct socket` carries (NULL while it is being released).
    public func sock(ofSocket socket: UInt64) throws -> UInt64 { try kernel.readPointer(socket, socketSk) }

    /// Inode number of a `struct socket` (SOCK_INODE, include/net/sock.h).
    public func inode(ofSocket socket: UInt64) throws -> UInt64 {
        try kernel.readUnsigned(socket &+ inodeDelta, iIno)
    }

    static let tcpTimeWait: UInt64 = 6, tcpNewSynRecv: UInt64 = 12, tcpListen: UInt64 = 10 // include/net/tcp_states.h
    static let ipprotoTCP: UInt64 = 6, ipprotoUDP: UInt64 = 17, ipprotoUDPLite: UInt64 = 136 // include/uapi/linux/in.h

    /// Whether the sock is a full `struct sock`: TIME_WAIT and NEW_SYN_RECV
    /// entries in the TCP hash are the smaller inet_timewait_sock and
    /// request_sock, which share only struct sock_common.
    public func isFullSocket(state: UInt64) -> Bool { state != Self.tcpTimeWait && state != Self.tcpNewSynRecv }

    public func describe(sock sk: UInt64) throws -> SocketInfo {
        let fam = try kernel.readUnsigned(sk, family)
        let st = try kernel.readUnsigned(sk, state)
        let full = isFullSocket(state: st)
        let type = full ? try kernel.readUnsigned(sk, skType) : 1 // mini sockets are TCP's
        let proto = full ? try kernel.readUnsigned(sk, skProtocol) : Self.ipprotoTCP
        let isTCP = (fam == 2 || fam == 10) && proto == Self.ipprotoTCP
        var info = SocketInfo(
            sock: sk, netns: try kernel.readPointer(sk, skNet),
            familyRaw: fam, family: InetFormat.familyName(fam),
            type: InetFormat.typeName(type), protocolRaw: proto,
            protocol: InetFormat.protocolName(family: fam, protocol: proto),
            stateRaw: st, state: InetFormat.stateName(st, isTCP: isTCP || !full))
        if info.isInet {
            info.localPort = try kernel.readUnsigned(sk, num)
            info.remotePort = UInt64(InetFormat.port(networkOrder: UInt16(truncatingIfNeeded: try kernel.readUnsigned(sk, dport))))
            if fam == 2 {
                info.localAddress = InetFormat.ipv4(networkOrder: UInt32(truncatingIfNeeded: try kernel.readUnsigned(sk, rcvSaddr)))
                info.remoteAddress = InetFormat.ipv4(networkOrder: UInt32(truncatingIfNeeded: try kernel.readUnsigned(sk, daddr)))
            } else if let v6RcvSaddr, let v6Daddr {
                info.localAddress = InetFormat.ipv6(try kernel.read(sk + v6RcvSaddr.offset, count: 16))
                info.remoteAddress = InetFormat.ipv6(try kernel.read(sk + v6Daddr.offset, count: 16))
            }
        }
        guard full else { return info }
        let socket = try kernel.readPointer(sk, skSocket)
        if socket != 0 { info.inode = try inode(ofSocket: socket) }
        info.uid = try kernel.readUnsigned(sk, skUid)
        if isTCP {
            if st == Self.tcpListen {
                info.rxQueue = Int64(try kernel.readUnsigned(sk, ackBacklog))
            } else {
                // max_t(int, rcv_nxt - copied_seq, 0): sequence numbers wrap, so 32-bit arithmetic.
                let rx = Int32(bitPattern: UInt32(truncatingIfNeeded: try kernel.readUnsigned(sk, rcvNxt) &- kernel.readUnsigned(sk, copiedSeq)))
                info.rxQueue = Int64(max(rx, 0))
            }
            info.txQueue = Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: try kernel.readUnsigned(sk, writeSeq) &- kernel.readUnsigned(sk, sndUna))))
        } else if info.isInet && (proto == Self.ipprotoUDP || proto == Self.ipprotoUDPLite) {
            // udp_rqueue_get(): sk_rmem_alloc - forward_deficit; sk_wmem_alloc_get(): refcount - 1.
            let rmem = try kernel.readSigned(sk, rmemAlloc)
            let deficit = try forwardDeficit.map { try kernel.readSigned(sk, $0) } ?? 0
            info.rxQueue = rmem - deficit
            info.txQueue = try kernel.readSigned(sk, wmemAlloc) - 1
        }
        return info
    }
}
