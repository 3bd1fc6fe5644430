import KdsqlMemory
import KdsqlDebugInfo

/// Fields every System V IPC object has (struct kern_ipc_perm, include/linux/ipc.h).
public struct IPCPermissions: Sendable, Equatable {
    /// The IPC namespace's inode number (/proc/PID/ns/ipc).
    public var namespaceInode: UInt64
    public var namespace: UInt64
    /// The key as /proc/sysvipc prints it: a signed 32-bit integer.
    public var key: Int64
    /// The identifier shmget/semget/msgget returned.
    public var id: Int64
    public var uid: Int64, gid: Int64, cuid: Int64, cgid: Int64
    /// Permission bits (mode & 0777); /proc/sysvipc prints them in octal.
    public var perms: Int64
    public var address: UInt64
}

public struct SharedMemorySegment: Sendable, Equatable {
    public var perm: IPCPermissions
    public var size: Int64
    public var attached: Int64
    public var creatorPid: Int64?
    public var lastPid: Int64?
}

public struct SemaphoreSet: Sendable, Equatable {
    public var perm: IPCPermissions
    public var nsems: Int64
}

public struct MessageQueue: Sendable, Equatable {
    public var perm: IPCPermissions
    public var messages: Int64
    public var bytes: Int64
    public var lastSendPid: Int64?
    public var lastReceivePid: Int64?
}

/// System V IPC objects of an IPC namespace (ipc/util.h, ipc/shm.c,
/// ipc/sem.c, ipc/msg.c): `ipc_namespace.ids[IPC_SEM_IDS=0, IPC_MSG_IDS=1,
/// IPC_SHM_IDS=2]`, each an IDR (`ipcs_idr`, an XArray since 4.20) of
/// `struct kern_ipc_perm *` embedded as the first member of shmid_kernel,
/// sem_array and msg_queue. The creator/last pids are `struct pid *` since
/// 4.17 (commit 98f929b1bdfd "ipc: ... use struct pid"); before they were
/// pid_t and are read as such. Pids are shown as the initial namespace sees
/// them (`numbers[0].nr`).
public final class SysVIPC {
    public let kernel: Kernel
    let xarray: XArray
    let ids: FieldRef, idsSize: UInt64, idrHead: FieldRef, inUse: FieldRef
    let key: FieldRef, id: FieldRef, uid: FieldRef, gid: FieldRef, cuid: FieldRef, cgid: FieldRef, mode: FieldRef, deleted: FieldRef?
    let shmPerm: FieldRef, shmSegsz: FieldRef, shmNattch: FieldRef, shmCprid: FieldRef, shmLprid: FieldRef
    let semPerm: FieldRef, semNsems: FieldRef
    let msgPerm: FieldRef, msgCbytes: FieldRef, msgQnum: FieldRef, msgLspid: FieldRef, msgLrpid: FieldRef
    let upidNr: FieldRef
    let namespaces: Namespaces

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        xarray = try XArray(kernel: kernel)
        namespaces = try Namespaces(kernel: kernel)
        ids = try kernel.field("struct ipc_namespace", "ids")
        idsSize = UInt64(try kernel.size(of: "struct ipc_ids"))
        idrHead = try kernel.field("struct ipc_ids", oneOf: ["ipcs_idr.idr_rt.xa_head", "ipcs_idr.idr_rt.rnode"])
        inUse = try kernel.field("struct ipc_ids", "in_use")
        let p = "struct kern_ipc_perm"
        key = try kernel.field(p, "key"); id = try kernel.field(p, "id")
        uid = try kernel.field(p, "uid"); gid = try kernel.field(p, "gid")
        cuid = try kernel.field(p, "cuid"); cgid = try kernel.field(p, "cgid")
        mode = try kernel.field(p, "mode"); deleted = try? kernel.field(p, "deleted")
        let s = "struct shmid_kernel"
        shmPerm = try kernel.field(s, "shm_perm"); shmSegsz = try kernel.field(s, "shm_segsz")
        shmNattch = try kernel.field(s, "shm_nattch"); shmCprid = try kernel.field(s, "shm_cprid")
        shmLprid = try kernel.field(s, "shm_lprid")
        semPerm = try kernel.field("struct sem_array", "sem_perm"); semNsems = try kernel.field("struct sem_array", "sem_nsems")
        let m = "struct msg_queue"
        msgPerm = try kernel.field(m, "q_perm"); msgCbytes = try kernel.field(m, "q_cbytes")
        msgQnum = try kernel.field(m, "q_qnum"); msgLspid = try kernel.field(m, "q_lspid"); msgLrpid = try kernel.field(m, "q_lrpid")
        upidNr = try kernel.field("struct pid", "numbers[0].nr")
    }

    /// Every IPC namespace some task is in, the initial one first.
    public func namespaceAddresses(tasks: [UInt64]) throws -> [UInt64] {
        let initNs = try kernel.address(of: "init_ipc_ns")
        return [initNs] + (try namespaces.distinct("ipc", tasks: tasks).filter { $0 != initNs })
    }

    /// The kern_ipc_perm pointers of one kind (0 sem, 1 msg, 2 shm) in id order.
    func objects(ns: UInt64, kind: UInt64) throws -> [UInt64] {
        let table = ns + ids.offset + kind * idsSize
        let head = try kernel.readU64(table + idrHead.offset)
        return try xarray.entries(head: head, limit: 1 << 20).map(\.entry)
    }

    func perm(_ p: UInt64, ns: UInt64) throws -> IPCPermissions {
        IPCPermissions(namespaceInode: try namespaces.inode(of: ns, "struct ipc_namespace"), namespace: ns,
                       key: try kernel.readSigned(p, key), id: try kernel.readSigned(p, id),
                       uid: try kernel.readSigned(p, uid), gid: try kernel.readSigned(p, gid),
                       cuid: try kernel.readSigned(p, cuid), cgid: try kernel.readSigned(p, cgid),
                       perms: Int64(try kernel.readUnsigned(p, mode) & 0o777), address: p)
    }

    /// A pid field: `struct pid *` (4.17+) or pid_t.
    func pidValue(_ object: UInt64, _ f: FieldRef) throws -> Int64? {
        if f.size == 4 { return try kernel.readSigned(object, f) }
        let pid = try kernel.readPointer(object, f)
        return pid == 0 ? 0 : try kernel.readSigned(pid, upidNr)
    }

    public func sharedMemory(ns: UInt64) throws -> [SharedMemorySegment] {
        try objects(ns: ns, kind: 2).map { p in
            let shp = p - shmPerm.offset
            return SharedMemorySegment(perm: try perm(p, ns: ns), size: Int64(try kernel.readUnsigned(shp, shmSegsz)),
                                       attached: Int64(try kernel.readUnsigned(shp, shmNattch)),
                                       creatorPid: try pidValue(shp, shmCprid), lastPid: try pidValue(shp, shmLprid))
        }
    }

    public func semaphores(ns: UInt64) throws -> [SemaphoreSet] {
        try objects(ns: ns, kind: 0).map { p in
            SemaphoreSet(perm: try perm(p, ns: ns), nsems: try kernel.readSigned(p - semPerm.offset, semNsems))
        }
    }

    public func messageQueues(ns: UInt64) throws -> [MessageQueue] {
        try objects(ns: ns, kind: 1).map { p in
            let q = p - msgPerm.offset
            return MessageQueue(perm: try perm(p, ns: ns), messages: Int64(try kernel.readUnsigned(q, msgQnum)),
                                bytes: Int64(try kernel.readUnsigned(q, msgCbytes)),
                                lastSendPid: try pidValue(q, msgLspid), lastReceivePid: try pidValue(q, msgLrpid))
        }
    }
}
