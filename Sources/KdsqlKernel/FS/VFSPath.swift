import KdsqlMemory
import KdsqlDebugInfo

/// A `struct path`: a mount (`struct vfsmount *`) and a dentry in it.
public struct PathRef: Hashable, Sendable {
    public var mnt: UInt64
    public var dentry: UInt64
    public init(mnt: UInt64, dentry: UInt64) {
        self.mnt = mnt
        self.dentry = dentry
    }
}

/// Turns (vfsmount, dentry) pairs into the path text /proc shows, with the
/// semantics of `d_path()` (fs/d_path.c, Linux 6.1):
///
/// 1. Pseudo-filesystem dentries whose `d_op->d_dname` is set (and that are
///    not the root of their mount) are named by that function: pipefs
///    `pipe:[ino]`, sockfs `socket:[ino]`, anon_inodefs `anon_inode:NAME`,
///    nsfs `NS:[ino]`, `simple_dname` `/NAME (deleted)`. The function is
///    recognised by its symbol, so no per-kernel address table is needed.
/// 2. Otherwise `prepend_path()`: names are prepended while walking
///    `d_parent` towards the root; at a mount's root the walk continues from
///    `mount->mnt_mountpoint` in `mount->mnt_parent`; it stops at the given
///    root (the reader's `fs->root`), or at the namespace's global root.
///    An empty result is `/`.
/// 3. `path_with_deleted()`: unlinked dentries (`d_unhashed && !IS_ROOT`)
///    get ` (deleted)` appended.
///
/// Walks are bounded (PATH_MAX-like depth, visited set) so a corrupt dentry
/// chain yields a `MemoryError.cycle`, never a hang. Results are cached by
/// (path, root): a process maps the same few files many times.
public final class VFSPath {
    public let kernel: Kernel
    // struct dentry
    let dParent: FieldRef, dName: FieldRef, dLen: FieldRef, dInode: FieldRef, dOp: FieldRef
    let dHashPprev: FieldRef, dFsdata: FieldRef
    // struct dentry_operations
    let dDname: FieldRef
    // struct inode
    let iIno: FieldRef
    // struct mount / struct vfsmount
    let mountMnt: FieldRef, mntParent: FieldRef, mntMountpoint: FieldRef
    let vfsRoot: FieldRef
    // struct fs_struct, struct task_struct
    let fsRoot: FieldRef, fsPwd: FieldRef, taskFs: FieldRef
    let pathMnt: FieldRef, pathDentry: FieldRef
    /// `proc_ns_operations.name`, for nsfs dentries (absent without CONFIG_NAMESPACES).
    let nsOpsName: FieldRef?

    /// The longest chain of components followed before declaring a cycle
    /// (PATH_MAX 4096 allows at most 2048 one-letter components).
    static let maxDepth = 2048

    /// What a dentry operations table's `d_dname` does, keyed by the table's address.
    enum DName: Equatable { case none, pipe, socket, anonInode, namespace, simple, other(String) }
    var dnameCache: [UInt64: DName] = [:]
    var cache: [Key: String] = [:]
    struct Key: Hashable { var path: PathRef; var root: PathRef? }
    /// A point of `prependPath`'s walk (dentry and struct mount, towards
    /// `root`): the rest of the walk, and so the text, depends on nothing else.
    struct WalkState: Hashable { var dentry: UInt64; var mount: UInt64; var root: PathRef? }
    /// Texts of directories met by earlier walks.
    var prefixCache: [WalkState: String] = [:]

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let d = "struct dentry"
        dParent = try kernel.field(d, "d_parent")
        dName = try kernel.field(d, "d_name.name")
        dLen = try kernel.field(d, "d_name.len")
        dInode = try kernel.field(d, "d_inode")
        dOp = try kernel.field(d, "d_op")
        dHashPprev = try kernel.field(d, "d_hash.pprev")
        dFsdata = try kernel.field(d, "d_fsdata")
        dDname = try kernel.field("struct dentry_operations", "d_dname")
        iIno = try kernel.field("struct inode", "i_ino")
        mountMnt = try kernel.field("struct mount", "mnt")
        mntParent = try kernel.field("struct mount", "mnt_parent")
        mntMountpoint = try kernel.field("struct mount", "mnt_mountpoint")
        vfsRoot = try kernel.field("struct vfsmount", "mnt_root")
        fsRoot = try kernel.field("struct fs_struct", "root")
        fsPwd = try kernel.field("struct fs_struct", "pwd")
        taskFs = try kernel.field("struct task_struct", "fs")
        pathMnt = try kernel.field("struct path", "mnt")
        pathDentry = try kernel.field("struct path", "dentry")
        nsOpsName = try? kernel.field("struct proc_ns_operations", "name")
    }

    // MARK: Roots

    /// Reads a `struct path` stored at `address`.
    public func pathRef(at address: UInt64) throws -> PathRef {
        PathRef(mnt: try kernel.readPointer(address, pathMnt), dentry: try kernel.readPointer(address, pathDentry))
    }

    /// `task->fs->root` and `task->fs->pwd`; nil when the task has no fs
    /// (exiting tasks; kernel threads share init_fs).
    public func rootAndCwd(task: UInt64) throws -> (root: PathRef, cwd: PathRef)? {
        let fs = try kernel.readPointer(task, taskFs)
        guard fs != 0 else { return nil }
        return (try pathRef(at: fs + fsRoot.offset), try pathRef(at: fs + fsPwd.offset))
    }

    /// The root every path is shown relative to by default: init_task's
    /// `fs->root` (init_fs), i.e. the root of the initial mount namespace,
    /// as a reader in that namespace sees /proc.
    public lazy var defaultRoot: PathRef? = {
        guard let initTask = try? kernel.address(of: "init_task") else { return nil }
        return (try? rootAndCwd(task: initTask))?.root
    }()

    // MARK: Dentries

    /// The dentry's own name (`d_name`), at most 4096 bytes.
    public func name(dentry: UInt64) throws -> String {
        let p = try kernel.readPointer(dentry, dName)
        guard p != 0 else { throw MemoryError.nullPointer(what: "dentry 0x\(String(dentry, radix: 16)) d_name.name") }
        let len = Int(try kernel.readUnsigned(dentry, dLen))
        guard len > 0 else { return "" }
        return String(decoding: try kernel.read(p, count: min(len, 4096)), as: UTF8.self)
    }

    public func parent(dentry: UInt64) throws -> UInt64 { try kernel.readPointer(dentry, dParent) }
    public func inode(dentry: UInt64) throws -> UInt64 { try kernel.readPointer(dentry, dInode) }

    /// `d_unlinked()`: hashed out of the dcache and not a root (include/linux/dcache.h).
    public func isUnlinked(dentry: UInt64) throws -> Bool {
        let unhashed = try kernel.readPointer(dentry, dHashPprev) == 0
        guard unhashed else { return false }
        return try parent(dentry: dentry) != dentry
    }

    // MARK: d_path

    /// The text `d_path()` gives for `path`, relative to `root`
    /// (default: `defaultRoot`).
    public func path(_ path: PathRef, root: PathRef? = nil) throws -> String {
        let root = root ?? defaultRoot
        let key = Key(path: path, root: root)
        if let hit = cache[key] { return hit }
        let text = try compute(path, root: root)
        if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
        cache[key] = text
        return text
    }

    func compute(_ path: PathRef, root: PathRef?) throws -> String {
        guard path.dentry != 0 else { throw MemoryError.nullPointer(what: "path.dentry") }
        // d_path(): pseudo files name themselves unless they are their mount's root.
        let isRoot = try parent(dentry: path.dentry) == path.dentry
        let mountRoot = path.mnt == 0 ? 0 : try kernel.readPointer(path.mnt, vfsRoot)
        if !isRoot || path.dentry != mountRoot, let text = try dynamicName(dentry: path.dentry) {
            return text
        }
        var text = try prependPath(path, root: root)
        if try isUnlinked(dentry: path.dentry) { text += " (deleted)" }
        return text
    }

    /// `__prepend_path()` + `prepend_path()`: the mount-aware walk to the
    /// root, without d_dname or ` (deleted)` (what /proc/mounts shows).
    public func prependPath(_ path: PathRef, root: PathRef?) throws -> String {
        // Levels passed on the way up (the leaf first), each with the text of
        // the directory it names once the walk is done.
        var levels: [(state: WalkState, name: String)] = []
        var dentry = path.dentry
        // real_mount(): the struct mount around the vfsmount.
        var mount = path.mnt == 0 ? 0 : path.mnt &- mountMnt.offset
        var steps = 0
        // The text of the state the walk stopped at: empty at a root, or a
        // directory whose text an earlier walk found (files share directories:
        // 10,000 files in one directory cost one walk to the root, not 10,000).
        var base = ""
        while true {
            if let root, dentry == root.dentry, mount &+ mountMnt.offset == root.mnt { break }
            let state = WalkState(dentry: dentry, mount: mount, root: root)
            if let known = prefixCache[state] {
                base = known
                break
            }
            steps += 1
            guard steps <= Self.maxDepth else {
                throw MemoryError.cycle(what: "d_path of dentry 0x\(String(path.dentry, radix: 16))", at: dentry)
            }
            let parentDentry = try parent(dentry: dentry)
            if mount != 0, dentry == (try kernel.readPointer(mount &+ mountMnt.offset, vfsRoot)) {
                let parentMount = try kernel.readPointer(mount, mntParent)
                if parentMount != mount && parentMount != 0 {
                    dentry = try kernel.readPointer(mount, mntMountpoint)
                    mount = parentMount
                    continue
                }
                break // the global root (or a detached mount's root)
            }
            if dentry == parentDentry || parentDentry == 0 { break } // escaped: stop like the kernel
            levels.append((state, try name(dentry: dentry)))
            dentry = parentDentry
        }
        if levels.isEmpty { return base.isEmpty ? "/" : base }
        if prefixCache.count > 100_000 { prefixCache.removeAll(keepingCapacity: true) }
        var text = base
        for (i, level) in levels.enumerated().reversed() {
            text += "/" + level.name
            // Directories only: the leaf's own text is cached by `path`.
            if i > 0 { prefixCache[level.state] = text }
        }
        return text
    }

    /// The name a `d_op->d_dname` method would produce, or nil when the
    /// dentry has none.
    func dynamicName(dentry: UInt64) throws -> String? {
        let ops = try kernel.readPointer(dentry, dOp)
        guard ops != 0 else { return nil }
        let kind: DName
        if let cached = dnameCache[ops] {
            kind = cached
        } else {
            let fn = try kernel.readPointer(ops, dDname)
            if fn == 0 {
                kind = .none
            } else {
                switch kernel.symbols.symbolize(fn).flatMap({ $0.offset == 0 ? $0.symbol.name : nil }) {
                case "pipefs_dname": kind = .pipe            // fs/pipe.c
                case "sockfs_dname": kind = .socket          // net/socket.c
                case "anon_inodefs_dname": kind = .anonInode // fs/anon_inodes.c
                case "ns_dname": kind = .namespace           // fs/nsfs.c
                case "simple_dname": kind = .simple          // fs/d_path.c
                case let name?: kind = .other(name)
                case nil: kind = .other("0x" + String(fn, radix: 16))
                }
            }
            dnameCache[ops] = kind
        }
        func ino() throws -> UInt64 {
            let inode = try inode(dentry: dentry)
            guard inode != 0 else { throw MemoryError.nullPointer(what: "d_inode of pseudo dentry 0x\(String(dentry, radix: 16))") }
            return try kernel.readUnsigned(inode, iIno)
        }
        switch kind {
        case .none: return nil
        case .pipe: return "pipe:[\(try ino())]"
        case .socket: return "socket:[\(try ino())]"
        case .anonInode: return "anon_inode:" + (try name(dentry: dentry))
        case .simple: return "/" + (try name(dentry: dentry)) + " (deleted)"
        case .namespace:
            // ns_dname(): d_fsdata is the namespace's proc_ns_operations.
            guard let nsOpsName else { return "[" + (try name(dentry: dentry)) + "]" }
            let nsOps = try kernel.readPointer(dentry, dFsdata)
            let namePtr = try kernel.readPointer(nsOps, nsOpsName)
            return "\(try kernel.readCString(namePtr, maxLength: 64)):[\(try ino())]"
        case .other:
            // An unknown d_dname (dmabuf, ...): fall back to the dentry name,
            // marked so it is not mistaken for a file path.
            return "[" + (try name(dentry: dentry)) + "]"
        }
    }
}
