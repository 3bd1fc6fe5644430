import KdsqlMemory
import KdsqlDebugInfo

/// The mounts of a mount namespace, like crash's `mount` and
/// /proc/PID/mountinfo (fs/proc_namespace.c show_mountinfo, fs/mount.h).
///
/// Where a namespace keeps its mounts depends on the kernel (detected by
/// field presence): up to 6.7 the `mnt_namespace.list` of `mount.mnt_list`
/// in mount order; from 6.8 an rbtree `mnt_namespace.mounts` of
/// `mount.mnt_node` ordered by mount id (commit 2eea9ce4310d "mounts: keep
/// list of mounts in an rbtree").
public final class Mounts {
    public let kernel: Kernel
    public let paths: VFSPath
    let nsList: FieldRef?, mntList: FieldRef?, nsMounts: FieldRef?, mntNode: FieldRef?
    let nsRoot: FieldRef
    let mountMnt: FieldRef, mntParent: FieldRef, mntId: FieldRef, mntDevname: FieldRef, mntNs: FieldRef
    let vfsRoot: FieldRef, vfsSb: FieldRef, vfsFlags: FieldRef
    let sType: FieldRef, sSubtype: FieldRef?, sDev: FieldRef, sFlags: FieldRef, fsName: FieldRef
    let taskNsproxy: FieldRef, nsproxyMntNs: FieldRef
    let rbtree: RBTree?

    // include/linux/mount.h MNT_* (vfsmount.mnt_flags) and include/linux/fs.h SB_*
    // (super_block.s_flags): macros, so not in BTF; stable since 4.x.
    static let mntReadonly: UInt64 = 0x40
    static let mntOptions: [(UInt64, String)] = [
        (0x01, "nosuid"), (0x02, "nodev"), (0x04, "noexec"), (0x08, "noatime"),
        (0x10, "nodiratime"), (0x20, "relatime"), (0x80, "nosymfollow"),
    ]
    static let sbReadonly: UInt64 = 1
    static let sbOptions: [(UInt64, String)] = [(16, "sync"), (128, "dirsync"), (64, "mand"), (1 << 25, "lazytime")]

    public init(kernel: Kernel, paths: VFSPath? = nil) throws {
        self.kernel = kernel
        self.paths = try paths ?? VFSPath(kernel: kernel)
        let ns = "struct mnt_namespace", m = "struct mount"
        nsList = try? kernel.field(ns, "list")
        mntList = nsList == nil ? nil : try kernel.field(m, "mnt_list")
        nsMounts = nsList == nil ? try kernel.field(ns, "mounts") : nil
        mntNode = nsList == nil ? try kernel.field(m, "mnt_node") : nil
        rbtree = nsList == nil ? try RBTree(kernel: kernel) : nil
        nsRoot = try kernel.field(ns, "root")
        mountMnt = try kernel.field(m, "mnt")
        mntParent = try kernel.field(m, "mnt_parent")
        mntId = try kernel.field(m, "mnt_id")
        mntDevname = try kernel.field(m, "mnt_devname")
        mntNs = try kernel.field(m, "mnt_ns")
        vfsRoot = try kernel.field("struct vfsmount", "mnt_root")
        vfsSb = try kernel.field("struct vfsmount", "mnt_sb")
        vfsFlags = try kernel.field("struct vfsmount", "mnt_flags")
        sType = try kernel.field("struct super_block", "s_type")
        sSubtype = try? kernel.field("struct super_block", "s_subtype")
        sDev = try kernel.field("struct super_block", "s_dev")
        sFlags = try kernel.field("struct super_block", "s_flags")
        fsName = try kernel.field("struct file_system_type", "name")
        taskNsproxy = try kernel.field("struct task_struct", "nsproxy")
        nsproxyMntNs = try kernel.field("struct nsproxy", "mnt_ns")
    }

    // MARK: Walking

    /// The mount namespace of a task (`task->nsproxy->mnt_ns`); nil for
    /// exiting tasks whose nsproxy is gone.
    public func namespace(task: UInt64) throws -> UInt64? {
        let nsproxy = try kernel.readPointer(task, taskNsproxy)
        guard nsproxy != 0 else { return nil }
        let ns = try kernel.readPointer(nsproxy, nsproxyMntNs)
        return ns == 0 ? nil : ns
    }

    /// The initial mount namespace (init_task's).
    public func initialNamespace() throws -> UInt64 {
        guard let ns = try namespace(task: try kernel.address(of: "init_task")) else {
            throw MemoryError.nullPointer(what: "init_task.nsproxy->mnt_ns")
        }
        return ns
    }

    /// Calls `body` with each `struct mount *` of namespace `ns` in the
    /// namespace's order; `body` returns false to stop.
    public func forEachMount(namespace ns: UInt64, _ body: (UInt64) throws -> Bool) throws {
        let what = "mounts of mnt_namespace 0x\(String(ns, radix: 16))"
        if let nsList, let mntList {
            try kernel.forEachListNode(head: ns + nsList.offset, what: what, limit: 1 << 20) { try body($0 - mntList.offset) }
        } else if let rbtree, let nsMounts, let mntNode {
            for node in try rbtree.inorder(root: ns + nsMounts.offset, what: what) {
                guard try body(node - mntNode.offset) else { return }
            }
        }
    }

    public func mounts(namespace ns: UInt64) throws -> [UInt64] {
        var out: [UInt64] = []
        try forEachMount(namespace: ns) { out.append($0); return true }
        return out
    }

    // MARK: Columns of one mount

    public func superblock(_ m: UInt64) throws -> UInt64 { try kernel.readPointer(m + mountMnt.offset, vfsSb) }
    public func mountID(_ m: UInt64) throws -> Int64 { try kernel.readSigned(m, mntId) }
    /// The parent's mount id; a namespace root is its own parent.
    public func parentID(_ m: UInt64) throws -> Int64 {
        let p = try kernel.readPointer(m, mntParent)
        return p == 0 ? try mountID(m) : try mountID(p)
    }
    public func namespace(mount m: UInt64) throws -> UInt64 { try kernel.readPointer(m, mntNs) }

    /// `mnt_devname`, or `none` like show_vfsmnt when it is NULL.
    public func deviceName(_ m: UInt64) throws -> String {
        let p = try kernel.readPointer(m, mntDevname)
        return p == 0 ? "none" : try kernel.readCString(p, maxLength: 4096)
    }

    /// `s_type->name`, with `.subtype` for FUSE-style subtypes (show_type).
    public func fsType(_ m: UInt64) throws -> String {
        let sb = try superblock(m)
        let type = try kernel.readPointer(sb, sType)
        var name = try kernel.readCString(try kernel.readPointer(type, fsName), maxLength: 256)
        if let sSubtype {
            let sub = try kernel.readPointer(sb, sSubtype)
            if sub != 0 {
                let s = try kernel.readCString(sub, maxLength: 256)
                if !s.isEmpty { name += "." + s }
            }
        }
        return name
    }

    /// The mount point as /proc shows it: the path of the mount's root,
    /// mount-aware, relative to `root` (default: the initial root).
    public func mountPoint(_ m: UInt64, root: PathRef? = nil) throws -> String {
        let vfs = m + mountMnt.offset
        return try paths.prependPath(PathRef(mnt: vfs, dentry: try kernel.readPointer(vfs, vfsRoot)), root: root ?? paths.defaultRoot)
    }

    /// The superblock's `s_dev` (kernel dev_t).
    public func device(_ m: UInt64) throws -> UInt32 {
        UInt32(truncatingIfNeeded: try kernel.readUnsigned(try superblock(m), sDev))
    }

    /// `MAJOR:MINOR` in decimal as mountinfo prints it.
    public static func deviceNumbers(_ dev: UInt32) -> String { "\(dev >> 20):\(dev & 0xfffff)" }

    public func mountFlags(_ m: UInt64) throws -> UInt64 { try kernel.readUnsigned(m + mountMnt.offset, vfsFlags) }
    public func superFlags(_ m: UInt64) throws -> UInt64 { try kernel.readUnsigned(try superblock(m), sFlags) }

    /// Per-mount options as mountinfo field 6 shows them: `ro`/`rw`
    /// (mnt_is_readonly) then show_mnt_opts' flags.
    public func options(_ m: UInt64) throws -> String {
        let flags = try mountFlags(m)
        let superFlags = try superFlags(m)
        let readonly = flags & Self.mntReadonly != 0 || superFlags & Self.sbReadonly != 0
        return ([readonly ? "ro" : "rw"] + Self.mntOptions.filter { flags & $0.0 != 0 }.map(\.1)).joined(separator: ",")
    }

    /// The generic superblock options (`ro`/`rw` and show_sb_opts); the
    /// filesystem's own `show_options` (size=, mode=) is not reproduced.
    public func superOptions(_ m: UInt64) throws -> String {
        let flags = try superFlags(m)
        return ([flags & Self.sbReadonly != 0 ? "ro" : "rw"] + Self.sbOptions.filter { flags & $0.0 != 0 }.map(\.1)).joined(separator: ",")
    }
}
