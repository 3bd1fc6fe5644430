import KdsqlMemory
import KdsqlDebugInfo

/// One namespace a task is in, as a /proc/PID/ns/TYPE link shows it.
public struct TaskNamespace: Sendable, Equatable {
    /// mnt, uts, ipc, pid, pid_for_children, net, user, cgroup, time, time_for_children.
    public var type: String
    /// The namespace's inode number (`ns.inum`), what `readlink /proc/PID/ns/TYPE` shows.
    public var inode: UInt64
    /// Address of the namespace object (struct uts_namespace, struct net, ...).
    public var address: UInt64
}

/// The UTS name of one UTS namespace (`uname -n`, `domainname`).
public struct UTSNamespace: Sendable, Equatable {
    public var address: UInt64
    public var inode: UInt64
    public var nodename: String
    public var domainname: String
}

/// A task's namespaces (include/linux/nsproxy.h, kernel/nsproxy.c):
/// `task->nsproxy` points at the uts, ipc, mnt, pid_for_children, net,
/// time, time_for_children and cgroup namespaces; the task's own pid
/// namespace is that of its pid (`thread_pid->numbers[level].ns`,
/// task_active_pid_ns()), its user namespace `cred->user_ns`. Every
/// namespace embeds a `struct ns_common ns` whose `inum` is the /proc/PID/ns
/// inode (3.19+; `proc_inum` before). time namespaces arrived in 5.6.
/// Exited tasks have no nsproxy and show only pid and user.
public final class Namespaces {
    public let kernel: Kernel
    let nsproxy: FieldRef, cred: FieldRef, userNs: FieldRef
    let threadPid: FieldRef?, pidLevel: FieldRef, pidNumbers: FieldRef, upidNs: FieldRef, upidSize: UInt64
    /// (type, nsproxy member, C type of the namespace) in /proc/PID/ns order.
    let proxied: [(type: String, field: FieldRef, nsType: String)]
    var inumFields: [String: FieldRef] = [:]
    let utsName: FieldRef, nodename: FieldRef, domainname: FieldRef

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        nsproxy = try kernel.field("struct task_struct", "nsproxy")
        cred = try kernel.field("struct task_struct", "cred")
        userNs = try kernel.field("struct cred", "user_ns")
        threadPid = try? kernel.field("struct task_struct", "thread_pid")
        pidLevel = try kernel.field("struct pid", "level")
        pidNumbers = try kernel.field("struct pid", "numbers")
        upidNs = try kernel.field("struct upid", "ns")
        upidSize = UInt64(try kernel.size(of: "struct upid"))
        let p = "struct nsproxy"
        var list: [(String, FieldRef, String)] = []
        for (type, member, nsType) in [("cgroup", "cgroup_ns", "struct cgroup_namespace"), ("ipc", "ipc_ns", "struct ipc_namespace"),
                                       ("mnt", "mnt_ns", "struct mnt_namespace"), ("net", "net_ns", "struct net"),
                                       ("pid_for_children", "pid_ns_for_children", "struct pid_namespace"),
                                       ("time", "time_ns", "struct time_namespace"),
                                       ("time_for_children", "time_ns_for_children", "struct time_namespace"),
                                       ("uts", "uts_ns", "struct uts_namespace")] {
            if let f = try? kernel.field(p, member) { list.append((type, f, nsType)) }
        }
        proxied = list
        utsName = try kernel.field("struct uts_namespace", "name")
        nodename = try kernel.field("struct new_utsname", "nodename")
        domainname = try kernel.field("struct new_utsname", "domainname")
    }

    /// Inode number of a namespace object of C type `nsType`.
    public func inode(of ns: UInt64, _ nsType: String) throws -> UInt64 {
        let f: FieldRef
        if let hit = inumFields[nsType] { f = hit } else {
            f = try kernel.field(nsType, oneOf: ["ns.inum", "proc_inum"])
            inumFields[nsType] = f
        }
        return try kernel.readUnsigned(ns, f)
    }

    /// task_active_pid_ns(): the namespace the task's pid was allocated in
    /// at its deepest level.
    public func activePidNamespace(task: UInt64) throws -> UInt64? {
        let pid: UInt64
        if let threadPid { pid = try kernel.readPointer(task, threadPid) } else {
            // Before 4.19: task->pids[PIDTYPE_PID].pid.
            pid = try kernel.readU64(task + (try kernel.field("struct task_struct", "pids[0].pid")).offset)
        }
        guard pid != 0 else { return nil }
        let level = try kernel.readUnsigned(pid, pidLevel)
        return try kernel.readU64(pid + pidNumbers.offset + level * upidSize + upidNs.offset)
    }

    /// The task's namespaces in /proc/PID/ns order (by type name).
    public func of(task: UInt64) throws -> [TaskNamespace] {
        var out: [TaskNamespace] = []
        let proxy = try kernel.readPointer(task, nsproxy)
        for (type, field, nsType) in proxied where proxy != 0 {
            let ns = try kernel.readPointer(proxy, field)
            if ns != 0 { out.append(TaskNamespace(type: type, inode: try inode(of: ns, nsType), address: ns)) }
        }
        if let pidNs = try activePidNamespace(task: task) {
            out.append(TaskNamespace(type: "pid", inode: try inode(of: pidNs, "struct pid_namespace"), address: pidNs))
        }
        let c = try kernel.readPointer(task, cred)
        if c != 0 {
            let user = try kernel.readPointer(c, userNs)
            if user != 0 { out.append(TaskNamespace(type: "user", inode: try inode(of: user, "struct user_namespace"), address: user)) }
        }
        return out.sorted { $0.type < $1.type }
    }

    public func uts(at ns: UInt64) throws -> UTSNamespace {
        UTSNamespace(address: ns, inode: try inode(of: ns, "struct uts_namespace"),
                     nodename: try kernel.readCString(ns + utsName.offset + nodename.offset, maxLength: nodename.size),
                     domainname: try kernel.readCString(ns + utsName.offset + domainname.offset, maxLength: domainname.size))
    }

    /// Every distinct namespace of `type` that some task is in, init's first.
    public func distinct(_ type: String, tasks: [UInt64]) throws -> [UInt64] {
        var seen = Set<UInt64>(), out: [UInt64] = []
        for t in tasks {
            for ns in (try? of(task: t)) ?? [] where ns.type == type && seen.insert(ns.address).inserted {
                out.append(ns.address)
            }
        }
        return out
    }
}
