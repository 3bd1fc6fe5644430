import KdsqlMemory
import KdsqlDebugInfo

/// One file lock or lock waiter, as a /proc/locks line shows it.
public struct FileLock: Sendable, Equatable {
    public var address: UInt64
    /// 1-based position of the active lock in /proc/locks; a waiter has its
    /// blocker's ordinal.
    public var ordinal: Int
    /// As /proc/locks shows it: the owner's tgid, -1 for OFD locks.
    public var pid: Int64
    /// FLOCK, POSIX, OFD, LEASE, DELEG or ACCESS.
    public var kind: String
    /// READ, WRITE or UNLCK.
    public var mode: String
    /// True for a request waiting on the lock above it (`->` in /proc/locks).
    public var blocked: Bool
    public var inode: UInt64?
    public var device: UInt64?
    public var start: Int64
    /// Last byte, nil for "to the end of the file" (EOF).
    public var end: Int64?
    public var file: UInt64
    public var path: String?
}

/// File locks (fs/locks.c): every granted lock is on the per-CPU
/// `file_lock_list` (struct file_lock_list_struct, hlist linked through
/// `fl_link`), and the requests waiting on a lock are on its
/// `fl_blocked_requests` list (linked through `fl_blocked_member`), which
/// is how /proc/locks (locks_show) prints them. Since 6.9 the common part
/// moved into `struct file_lock_core c` (fields `flc_*`), and leases became
/// `struct file_lease`; both layouts are read. fl_flags bits
/// (include/linux/filelock.h, fs.h before 6.3): FL_POSIX 1, FL_FLOCK 2,
/// FL_DELEG 4, FL_ACCESS 8, FL_LEASE 32, FL_OFDLCK 1024.
public final class FileLocks {
    public let kernel: Kernel
    /// Offset of the common part within struct file_lock (0 before 6.9).
    let core: UInt64
    let link: FieldRef, blockedRequests: FieldRef, blockedMember: FieldRef
    let flags: FieldRef, type: FieldRef, pid: FieldRef, file: FieldRef
    let start: FieldRef, end: FieldRef
    let fInode: FieldRef, fPath: FieldRef, iIno: FieldRef, iSb: FieldRef, sDev: FieldRef
    let listHead: FieldRef

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let l = "struct file_lock"
        if kernel.hasField(l, "c.flc_link") {
            core = try kernel.field(l, "c").offset
            let c = "struct file_lock_core"
            link = try kernel.field(c, "flc_link"); blockedRequests = try kernel.field(c, "flc_blocked_requests")
            blockedMember = try kernel.field(c, "flc_blocked_member"); flags = try kernel.field(c, "flc_flags")
            type = try kernel.field(c, "flc_type"); pid = try kernel.field(c, "flc_pid"); file = try kernel.field(c, "flc_file")
        } else {
            core = 0
            link = try kernel.field(l, "fl_link"); blockedRequests = try kernel.field(l, "fl_blocked_requests")
            blockedMember = try kernel.field(l, "fl_blocked_member"); flags = try kernel.field(l, "fl_flags")
            type = try kernel.field(l, "fl_type"); pid = try kernel.field(l, "fl_pid"); file = try kernel.field(l, "fl_file")
        }
        start = try kernel.field(l, "fl_start")
        end = try kernel.field(l, "fl_end")
        fInode = try kernel.field("struct file", "f_inode")
        fPath = try kernel.field("struct file", "f_path")
        iIno = try kernel.field("struct inode", "i_ino")
        iSb = try kernel.field("struct inode", "i_sb")
        sDev = try kernel.field("struct super_block", "s_dev")
        listHead = try kernel.field("struct file_lock_list_struct", "hlist")
    }

    static let flPosix: UInt64 = 1, flFlock: UInt64 = 2, flDeleg: UInt64 = 4, flAccess: UInt64 = 8
    static let flLease: UInt64 = 32, flOfdlck: UInt64 = 1024

    /// Granted locks in /proc/locks order, each followed by its waiters.
    public func all() throws -> [FileLock] {
        let vfs = try VFSPath(kernel: kernel)
        var out: [FileLock] = []
        var ordinal = 0
        for cpu in try kernel.possibleCPUs() {
            let head = try kernel.perCPU("file_lock_list", cpu: cpu) + listHead.offset
            for node in try kernel.hlistNodes(head: head, what: "file_lock_list", limit: 1_000_000) {
                let lockCore = node - link.offset
                ordinal += 1
                out.append(try lock(lockCore, ordinal: ordinal, blocked: false, vfs: vfs))
                for waiter in try kernel.listNodes(head: lockCore + blockedRequests.offset, what: "fl_blocked_requests", limit: 100_000) {
                    out.append(try lock(waiter - blockedMember.offset, ordinal: ordinal, blocked: true, vfs: vfs))
                }
            }
        }
        return out
    }

    /// One lock, given the address of its common part.
    func lock(_ c: UInt64, ordinal: Int, blocked: Bool, vfs: VFSPath) throws -> FileLock {
        let f = try kernel.readUnsigned(c, flags)
        let kind: String
        if f & Self.flPosix != 0 { kind = f & Self.flAccess != 0 ? "ACCESS" : f & Self.flOfdlck != 0 ? "OFD" : "POSIX" }
        else if f & Self.flFlock != 0 { kind = "FLOCK" }
        else if f & Self.flLease != 0 { kind = f & Self.flDeleg != 0 ? "DELEG" : "LEASE" }
        else { kind = "UNKNOWN" }
        // F_RDLCK 0, F_WRLCK 1, F_UNLCK 2 (include/uapi/asm-generic/fcntl.h).
        let t = try kernel.readUnsigned(c, type)
        let mode = t == 0 ? "READ" : t == 1 ? "WRITE" : "UNLCK"
        let fileAddr = try kernel.readPointer(c, file)
        var inode: UInt64? = nil, dev: UInt64? = nil, path: String? = nil
        if fileAddr != 0 {
            let i = try kernel.readPointer(fileAddr, fInode)
            if i != 0 {
                inode = try kernel.readUnsigned(i, iIno)
                let sb = try kernel.readPointer(i, iSb)
                if sb != 0 { dev = try kernel.readUnsigned(sb, sDev) }
            }
            path = try? vfs.path(try vfs.pathRef(at: fileAddr + fPath.offset))
        }
        // Byte ranges exist for POSIX-style locks only; /proc/locks prints
        // `0 EOF` for the others. OFFSET_MAX (LLONG_MAX) means EOF.
        var s: Int64 = 0, e: Int64? = nil
        if f & Self.flPosix != 0 {
            let lockAddr = c - core
            s = try kernel.readSigned(lockAddr, start)
            let v = try kernel.readSigned(lockAddr, end)
            e = v == Int64.max ? nil : v
        }
        return FileLock(address: c - core, ordinal: ordinal, pid: kind == "OFD" ? -1 : try kernel.readSigned(c, pid),
                        kind: kind, mode: mode, blocked: blocked, inode: inode, device: dev, start: s, end: e,
                        file: fileAddr, path: path)
    }
}
