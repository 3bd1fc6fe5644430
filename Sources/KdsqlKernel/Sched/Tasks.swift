import KdsqlMemory
import KdsqlDebugInfo

/// Every task (thread) in the dump, like crash's `ps`: the per-CPU idle tasks
/// (swapper/N, pid 0), then every thread group on init_task's `tasks` list
/// with its threads from `signal->thread_head` (kernel/fork.c,
/// include/linux/sched/signal.h for_each_thread). Fields are read on demand
/// from the task address so a query pays only for the columns it asks for.
public final class Tasks {
    public let kernel: Kernel
    // struct task_struct
    let tasks: FieldRef, pid: FieldRef, tgid: FieldRef, comm: FieldRef
    let state: FieldRef, exitState: FieldRef, realParent: FieldRef, groupLeader: FieldRef
    let signal: FieldRef, threadNode: FieldRef?, threadGroup: FieldRef?
    let mm: FieldRef, cred: FieldRef, flags: FieldRef, policy: FieldRef
    let prio: FieldRef, staticPrio: FieldRef, cpu: FieldRef
    let startTime: FieldRef, startBoottime: FieldRef?, utime: FieldRef, stime: FieldRef
    let pidLinks: FieldRef
    // struct signal_struct
    let threadHead: FieldRef?, nrThreads: FieldRef
    // struct cred
    let uid: FieldRef, gid: FieldRef, euid: FieldRef, egid: FieldRef

    public let initTask: UInt64
    /// Counts tasks whose struct was visited (push-down tests read it).
    public private(set) var visited = 0

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let t = "struct task_struct"
        tasks = try kernel.field(t, "tasks")
        pid = try kernel.field(t, "pid")
        tgid = try kernel.field(t, "tgid")
        comm = try kernel.field(t, "comm")
        // Renamed to __state in 5.14 (commit 2f064a59a11f).
        state = try kernel.field(t, oneOf: ["__state", "state"])
        exitState = try kernel.field(t, "exit_state")
        realParent = try kernel.field(t, "real_parent")
        groupLeader = try kernel.field(t, "group_leader")
        signal = try kernel.field(t, "signal")
        threadNode = try? kernel.field(t, "thread_node")
        threadGroup = try? kernel.field(t, "thread_group")
        mm = try kernel.field(t, "mm")
        cred = try kernel.field(t, "cred")
        flags = try kernel.field(t, "flags")
        policy = try kernel.field(t, "policy")
        prio = try kernel.field(t, "prio")
        staticPrio = try kernel.field(t, "static_prio")
        // task_struct.cpu (5.16+ with THREAD_INFO_IN_TASK) or thread_info.cpu.
        cpu = try kernel.field(t, oneOf: ["thread_info.cpu", "cpu"])
        startTime = try kernel.field(t, "start_time")
        startBoottime = try? kernel.field(t, oneOf: ["start_boottime", "real_start_time"])
        utime = try kernel.field(t, "utime")
        stime = try kernel.field(t, "stime")
        pidLinks = try kernel.field(t, oneOf: ["pid_links", "pids"])
        threadHead = try? kernel.field("struct signal_struct", "thread_head")
        nrThreads = try kernel.field("struct signal_struct", "nr_threads")
        uid = try kernel.field("struct cred", "uid")
        gid = try kernel.field("struct cred", "gid")
        euid = try kernel.field("struct cred", "euid")
        egid = try kernel.field("struct cred", "egid")
        initTask = try kernel.address(of: "init_task")
    }

    // MARK: Iteration

    /// Idle task of each possible CPU (runqueues.idle); CPU 0's is init_task.
    public func idleTasks() throws -> [(cpu: Int, task: UInt64)] {
        let idle = try kernel.field("struct rq", "idle")
        var out: [(Int, UInt64)] = []
        for c in try kernel.possibleCPUs() {
            let rq = try kernel.perCPU("runqueues", cpu: c)
            let task = try kernel.readU64(rq + idle.offset)
            if task != 0 { out.append((c, task)) }
        }
        if out.isEmpty { out.append((0, initTask)) }
        return out
    }

    /// The task running on each CPU at the time of the dump (rq->curr).
    public func activeTasks() throws -> [Int: UInt64] {
        let curr = try kernel.field("struct rq", "curr")
        var out: [Int: UInt64] = [:]
        for c in try kernel.possibleCPUs() {
            out[c] = try kernel.readU64(try kernel.perCPU("runqueues", cpu: c) + curr.offset)
        }
        return out
    }

    /// Pull-based iteration over every task: stops reading as soon as the
    /// caller stops asking (SQL LIMIT).
    ///
    /// A damaged dump can break the list: a task_struct on an excluded page,
    /// a NULL or garbage `next`. Each step checks the list.h invariant
    /// `next->prev == node`; where it fails, the unreadable task is skipped
    /// with a warning and the walk resumes from the list's other end (prev
    /// pointers), then fills any gap left between the two ends from the pid
    /// IDR, never yielding a task twice (`recoverLeaders`).
    public struct Iterator {
        let owner: Tasks
        var pending: [UInt64]
        var processNode: UInt64
        var started = false
        var seen = Set<UInt64>()
        /// Leaders still to visit once the list broke.
        var recovered: [UInt64]?

        public mutating func next() throws -> UInt64? {
            while true {
                if !pending.isEmpty { return pending.removeFirst() }
                if recovered != nil {
                    guard let leader = recovered?.first else { return nil }
                    recovered?.removeFirst()
                    pending = try owner.threadsOrLeader(leader)
                    continue
                }
                // Advance to the next thread group leader.
                let head = owner.initTask + owner.tasks.offset
                let kernel = owner.kernel
                let following: UInt64
                do {
                    following = try kernel.readU64(processNode)
                    if following == head { return nil }
                    guard following != 0 else {
                        throw MemoryError.nullPointer(what: "task list (tasks.next of task 0x\(String(processNode - owner.tasks.offset, radix: 16)))")
                    }
                    guard seen.count < 4_000_000, !seen.contains(following) else {
                        throw MemoryError.cycle(what: "task list", at: following)
                    }
                    // include/linux/list.h: next->prev points back. A task on an
                    // excluded page fails the read; a garbage pointer the check.
                    let back = try kernel.readU64(following + 8)
                    guard back == processNode else {
                        throw MemoryError.cycle(what: "task list (next->prev of 0x\(String(following, radix: 16)) does not point back)", at: following)
                    }
                } catch {
                    recovered = try owner.recoverLeaders(brokenAfter: processNode, seen: seen, error: error)
                    continue
                }
                seen.insert(following)
                processNode = following
                pending = try owner.threadsOrLeader(following - owner.tasks.offset)
            }
        }
    }

    public func makeIterator() throws -> Iterator {
        var idle: [UInt64] = []
        for (_, t) in try idleTasks() {
            do {
                _ = try pid(t)
                idle.append(t)
            } catch {
                try kernel.warnings.skip("task_struct (idle task)", at: t, because: error)
            }
        }
        return Iterator(owner: self, pending: idle, processNode: initTask + tasks.offset)
    }

    /// A leader and its threads; a leader whose thread list cannot be read
    /// alone, and nothing (with a warning) when the leader itself cannot.
    func threadsOrLeader(_ leader: UInt64) throws -> [UInt64] {
        do {
            return try threads(ofLeader: leader)
        } catch {
            do {
                _ = try pid(leader)
            } catch {
                try kernel.warnings.skip("task_struct", at: leader, because: error)
                return []
            }
            try kernel.warnings.skip("thread list", at: leader, because: error)
            return [leader]
        }
    }

    /// The leaders after a break in the task list at `node` (whose `next`
    /// could not be followed because of `error`): the list walked backwards
    /// from init_task until it meets a visited node, and, when that walk
    /// breaks too, the thread-group leaders of the pid IDR not seen either
    /// way. Order: IDR leaders (by pid), then the backward walk's nodes in
    /// list order.
    func recoverLeaders(brokenAfter node: UInt64, seen: Set<UInt64>, error: any Error) throws -> [UInt64] {
        let head = initTask + tasks.offset
        let broken = (try? kernel.readU64(node)) ?? 0
        guard !kernel.warnings.strict else { throw error }
        if broken != 0, broken != head, !seen.contains(broken), KernelWarnings.unreadableCause(error) != nil {
            try kernel.warnings.skip("task_struct", at: broken - tasks.offset, because: error)
        }
        // Backwards from the head.
        var backward: [UInt64] = []
        var known = seen
        var metForward = false
        var cursor = head
        while backward.count < 4_000_000 {
            let previous: UInt64
            do {
                previous = try kernel.readU64(cursor + 8)
            } catch {
                try kernel.warnings.skip("task_struct", at: cursor - tasks.offset, because: error)
                if cursor != head { backward.removeLast() }
                break
            }
            if previous == node || previous == head || seen.contains(previous) { metForward = true; break }
            guard previous != 0, !known.contains(previous) else { break }
            // The previous node must be readable and point forward to us.
            do {
                guard try kernel.readU64(previous) == cursor else { break }
            } catch {
                try kernel.warnings.skip("task_struct", at: previous - tasks.offset, because: error)
                break
            }
            known.insert(previous)
            backward.append(previous)
            cursor = previous
        }
        backward.reverse()
        var fromIndex: [(pid: Int64, leader: UInt64)] = []
        if !metForward {
            do {
                fromIndex = try leadersFromPidIndex(excluding: known)
            } catch {
                try kernel.warnings.skip("pid IDR", at: nil, because: error)
            }
        }
        kernel.warnings.note("task list broken after task 0x\(String(node - tasks.offset, radix: 16)); \(backward.count) processes recovered from prev pointers, \(fromIndex.count) from the pid IDR",
                             at: node - tasks.offset, cause: "broken links")
        return fromIndex.sorted { $0.pid < $1.pid }.map(\.leader) + backward.map { $0 - tasks.offset }
    }

    /// Thread-group leaders found through the initial pid namespace's IDR
    /// whose `tasks` node is not in `known`; unreadable entries are skipped.
    func leadersFromPidIndex(excluding known: Set<UInt64>) throws -> [(pid: Int64, leader: UInt64)] {
        let index = try pidIndex()
        let entries = try index.xarray.entries(head: try kernel.readU64(index.headAddress)) { node, error in
            try self.kernel.warnings.skip("xa_node (pid IDR)", at: node, because: error)
        }
        var out: [(Int64, UInt64)] = []
        for (_, pidStruct) in entries {
            do {
                let first = try kernel.readU64(pidStruct + index.pidTasks)
                guard first != 0 else { continue }
                let task = first - index.pidLinks
                guard try groupLeader(task) == task, !known.contains(task + tasks.offset) else { continue }
                out.append((try pid(task), task))
            } catch {
                try kernel.warnings.skip("struct pid", at: pidStruct, because: error)
            }
        }
        return out
    }

    /// All tasks, collected.
    public func all() throws -> [UInt64] {
        var it = try makeIterator()
        var out: [UInt64] = []
        while let t = try it.next() { out.append(t) }
        return out
    }

    /// Threads of a thread group, leader first.
    public func threads(ofLeader leader: UInt64) throws -> [UInt64] {
        visited += 1
        if let threadHead, let threadNode {
            let sig = try kernel.readPointer(leader, signal)
            guard sig != 0 else { return [leader] }
            var out: [UInt64] = []
            try kernel.forEachListNode(head: sig + threadHead.offset, what: "thread list", limit: 1_000_000) {
                out.append($0 - threadNode.offset)
                return true
            }
            if let i = out.firstIndex(of: leader), i != 0 { out.remove(at: i); out.insert(leader, at: 0) }
            return out.isEmpty ? [leader] : out
        }
        if let threadGroup {
            return [leader] + (try kernel.listNodes(head: leader + threadGroup.offset, what: "thread group", limit: 1_000_000)
                .map { $0 - threadGroup.offset })
        }
        return [leader]
    }

    /// The task with this pid, through the pid namespace's IDR
    /// (kernel/pid.c find_pid_ns, then pid->tasks[PIDTYPE_PID]).
    /// pid 0 answers with the idle tasks.
    public func lookup(pid wanted: Int64) throws -> [UInt64] {
        if wanted == 0 { return try idleTasks().map(\.task) }
        guard let task = try pidIndex().task(pid: wanted) else { return [] }
        visited += 1
        return [task]
    }

    /// The pid IDR with its addresses and offsets resolved, made on the first
    /// lookup and kept: a session may look up a pid per statement, and
    /// resolving the names each time cost more than the lookup itself.
    public func pidIndex() throws -> PidIndex {
        if let resolvedPidIndex { return resolvedPidIndex }
        let index = try PidIndex(tasks: self)
        resolvedPidIndex = index
        return index
    }
    private var resolvedPidIndex: PidIndex?

    // MARK: Fields

    public func pid(_ t: UInt64) throws -> Int64 { try kernel.readSigned(t, pid) }
    public func tgid(_ t: UInt64) throws -> Int64 { try kernel.readSigned(t, tgid) }
    public func comm(_ t: UInt64) throws -> String { try kernel.readCharArray(t, comm) }
    public func ppid(_ t: UInt64) throws -> Int64 {
        // Idle tasks of secondary CPUs were forked at boot by pid 1's context,
        // but like crash (and /proc for pid 0) they have no parent.
        if try pid(t) == 0 { return 0 }
        let parent = try kernel.readPointer(t, realParent)
        return parent == 0 || parent == t ? 0 : try kernel.readSigned(parent, tgid)
    }
    public func stateRaw(_ t: UInt64) throws -> UInt64 { try kernel.readUnsigned(t, state) }
    public func exitStateRaw(_ t: UInt64) throws -> UInt64 { try kernel.readUnsigned(t, exitState) }
    public func stateCode(_ t: UInt64) throws -> String {
        TaskState.code(state: try stateRaw(t), exitState: try exitStateRaw(t))
    }
    public func flags(_ t: UInt64) throws -> UInt64 { try kernel.readUnsigned(t, flags) }
    public func policy(_ t: UInt64) throws -> UInt64 { try kernel.readUnsigned(t, policy) }
    public func prio(_ t: UInt64) throws -> Int64 { try kernel.readSigned(t, prio) }
    public func staticPrio(_ t: UInt64) throws -> Int64 { try kernel.readSigned(t, staticPrio) }
    public func nice(_ t: UInt64) throws -> Int64 { try staticPrio(t) - 120 }
    public func cpu(_ t: UInt64) throws -> Int64 { try kernel.readSigned(t, cpu) }
    /// Boot-based start time in ns (what /proc/PID/stat field 22 reports, in ticks).
    public func startTimeNs(_ t: UInt64) throws -> UInt64 { try kernel.readUnsigned(t, startBoottime ?? startTime) }
    public func utimeNs(_ t: UInt64) throws -> UInt64 { try kernel.readUnsigned(t, utime) }
    public func stimeNs(_ t: UInt64) throws -> UInt64 { try kernel.readUnsigned(t, stime) }
    public static let pfKthread: UInt64 = 0x0020_0000 // include/linux/sched.h PF_KTHREAD
    public func isKernelThread(_ t: UInt64) throws -> Bool { try flags(t) & Tasks.pfKthread != 0 }
    public func groupLeader(_ t: UInt64) throws -> UInt64 { try kernel.readPointer(t, groupLeader) }
    public func mm(_ t: UInt64) throws -> UInt64 { try kernel.readPointer(t, mm) }
    public func nrThreads(_ t: UInt64) throws -> Int64 {
        let sig = try kernel.readPointer(t, signal)
        return sig == 0 ? 1 : try kernel.readSigned(sig, nrThreads)
    }

    private func credField(_ t: UInt64, _ f: FieldRef) throws -> Int64 {
        let c = try kernel.readPointer(t, cred)
        guard c != 0 else { throw MemoryError.nullPointer(what: "task_struct.cred") }
        return Int64(try kernel.readU32(c + f.offset))
    }
    public func uid(_ t: UInt64) throws -> Int64 { try credField(t, uid) }
    public func gid(_ t: UInt64) throws -> Int64 { try credField(t, gid) }
    public func euid(_ t: UInt64) throws -> Int64 { try credField(t, euid) }
    public func egid(_ t: UInt64) throws -> Int64 { try credField(t, egid) }
}
