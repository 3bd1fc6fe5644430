import KdsqlMemory
import KdsqlDebugInfo

/// A task that is running or queued to run on a CPU.
public struct RunQueueEntry: Sendable, Equatable {
    public var cpu: Int
    /// `stop`, `dl`, `rt`, `fair`, `idle` (the run queue it sits on; for the
    /// running task, its sched_class).
    public var schedClass: String
    public var isCurrent: Bool
    public var task: UInt64
    public var pid: Int64
    public var comm: String
    public var prio: Int64
    /// CFS virtual runtime (ns), for fair tasks.
    public var vruntime: UInt64?
    /// Absolute deadline (rq clock ns), for SCHED_DEADLINE tasks.
    public var deadline: UInt64?
    /// The cfs_rq that holds a fair task (a task group's queue when nested).
    public var cfsRq: UInt64?
    /// Nesting depth of a fair task's entity (0 = the CPU's root cfs_rq).
    public var depth: Int?
}

/// One CPU's run queue summary (crash `runq` header lines).
public struct CPURunQueue: Sendable, Equatable {
    public var cpu: Int
    public var rq: UInt64
    public var current: UInt64
    public var idle: UInt64
    public var nrRunning: UInt64
    /// rq->clock: sched_clock ns at the last update_rq_clock().
    public var clock: UInt64
    public var isOnline: Bool
}

/// The per-CPU run queues (`runqueues`, kernel/sched/sched.h struct rq),
/// like crash's `runq`: rq->curr, then the queued tasks of each class in the
/// kernel's pick order — stop (rq->stop when queued), deadline (rq->dl.root
/// rbtree of sched_dl_entity.rb_node), realtime (rq->rt.active.queue[prio]
/// lists of sched_rt_entity.run_list), fair (rq->cfs.tasks_timeline rbtree
/// of sched_entity.run_node, descending into group entities' `my_q` with
/// CONFIG_FAIR_GROUP_SCHED — autogroups make that the common case), idle.
///
/// The running entity is not in the CFS tree (set_next_entity() takes it
/// out), so each cfs_rq's `curr` is visited too: that is how queued tasks of
/// the running task's group are found.
public final class RunQueues {
    public let kernel: Kernel
    let tasks: Tasks
    let rbtree: RBTree
    // struct rq
    let curr: FieldRef, idle: FieldRef, stop: FieldRef?, nrRunning: FieldRef, clock: FieldRef
    let cfs: FieldRef, rt: FieldRef, dl: FieldRef
    // struct cfs_rq / sched_entity
    let tasksTimeline: FieldRef, cfsCurr: FieldRef
    let runNode: FieldRef, myQ: FieldRef?, vruntime: FieldRef, seDepth: FieldRef?
    // rt
    let rtQueue: FieldRef, rtRunList: FieldRef, rtMyQ: FieldRef?, listHeadSize: Int
    // dl
    let dlRoot: FieldRef, dlNode: FieldRef, dlDeadline: FieldRef
    // struct task_struct
    let se: FieldRef, rtEntity: FieldRef, dlEntity: FieldRef, schedClass: FieldRef, onRq: FieldRef
    let classes: [UInt64: String]
    let onlineCPUs: Set<Int>

    /// task_struct.on_rq value for a queued task (TASK_ON_RQ_QUEUED, kernel/sched/sched.h).
    public static let taskOnRqQueued: UInt64 = 1

    public init(kernel: Kernel, tasks: Tasks? = nil) throws {
        self.kernel = kernel
        self.tasks = try tasks ?? Tasks(kernel: kernel)
        rbtree = try RBTree(kernel: kernel)
        let rq = "struct rq"
        curr = try kernel.field(rq, "curr")
        idle = try kernel.field(rq, "idle")
        stop = try? kernel.field(rq, "stop")
        nrRunning = try kernel.field(rq, "nr_running")
        clock = try kernel.field(rq, "clock")
        cfs = try kernel.field(rq, "cfs")
        rt = try kernel.field(rq, "rt")
        dl = try kernel.field(rq, "dl")
        tasksTimeline = try kernel.field("struct cfs_rq", "tasks_timeline")
        cfsCurr = try kernel.field("struct cfs_rq", "curr")
        let se = "struct sched_entity"
        runNode = try kernel.field(se, "run_node")
        myQ = try? kernel.field(se, "my_q")          // CONFIG_FAIR_GROUP_SCHED only
        vruntime = try kernel.field(se, "vruntime")
        seDepth = try? kernel.field(se, "depth")
        rtQueue = try kernel.field("struct rt_rq", "active.queue")
        rtRunList = try kernel.field("struct sched_rt_entity", "run_list")
        rtMyQ = try? kernel.field("struct sched_rt_entity", "my_q")  // CONFIG_RT_GROUP_SCHED only
        listHeadSize = try kernel.size(of: "struct list_head")
        dlRoot = try kernel.field("struct dl_rq", "root")
        dlNode = try kernel.field("struct sched_dl_entity", "rb_node")
        dlDeadline = try kernel.field("struct sched_dl_entity", "deadline")
        let t = "struct task_struct"
        self.se = try kernel.field(t, "se")
        rtEntity = try kernel.field(t, "rt")
        dlEntity = try kernel.field(t, "dl")
        schedClass = try kernel.field(t, "sched_class")
        onRq = try kernel.field(t, "on_rq")
        // The classes are `const struct sched_class <name>_sched_class` (kernel/sched/*.c).
        var classes: [UInt64: String] = [:]
        for name in ["stop", "dl", "rt", "fair", "idle"] {
            if let a = kernel.symbols.address(of: "\(name)_sched_class") { classes[a] = name }
        }
        self.classes = classes
        onlineCPUs = Set(try kernel.onlineCPUs())
    }

    public func rq(cpu: Int) throws -> UInt64 { try kernel.perCPU("runqueues", cpu: cpu) }

    /// Summary of each possible CPU's run queue.
    public func cpus() throws -> [CPURunQueue] {
        try kernel.possibleCPUs().map { c in
            let r = try rq(cpu: c)
            return CPURunQueue(cpu: c, rq: r, current: try kernel.readPointer(r, curr), idle: try kernel.readPointer(r, idle),
                               nrRunning: try kernel.readUnsigned(r, nrRunning), clock: try kernel.readUnsigned(r, clock),
                               isOnline: onlineCPUs.contains(c))
        }
    }

    /// The scheduling class of a task, from its sched_class pointer.
    public func className(task: UInt64) throws -> String {
        let p = try kernel.readPointer(task, schedClass)
        return classes[p] ?? kernel.symbols.describe(p) ?? "0x" + String(p, radix: 16)
    }

    public func all() throws -> [RunQueueEntry] {
        var out: [RunQueueEntry] = []
        for c in try kernel.possibleCPUs() { out += try entries(cpu: c) }
        return out
    }

    /// The running task first, then queued tasks in pick order (stop, dl, rt, fair).
    /// Each task appears once.
    public func entries(cpu: Int) throws -> [RunQueueEntry] {
        let r = try rq(cpu: cpu)
        let current = try kernel.readPointer(r, curr)
        var out: [RunQueueEntry] = []
        var seen = Set<UInt64>()
        let warnings = kernel.warnings
        // A task_struct the dump lacks (slab pages filtered out) is skipped
        // with a warning; the rest of the queue is still listed.
        func add(_ task: UInt64, _ cls: String, vruntime: UInt64? = nil, deadline: UInt64? = nil, cfsRq: UInt64? = nil, depth: Int? = nil) throws {
            guard task != 0, seen.insert(task).inserted else { return }
            _ = try warnings.skipping("task_struct", at: task) {
                out.append(RunQueueEntry(cpu: cpu, schedClass: cls, isCurrent: task == current, task: task,
                                         pid: try tasks.pid(task), comm: try tasks.comm(task), prio: try tasks.prio(task),
                                         vruntime: vruntime, deadline: deadline, cfsRq: cfsRq, depth: depth))
            }
        }
        // Stop class: rq->stop, when queued (migration/N; kernel/sched/stop_task.c).
        if let stop {
            let s = try kernel.readPointer(r, stop)
            if s != 0 {
                _ = try warnings.skipping("task_struct", at: s) {
                    if try kernel.readUnsigned(s, onRq) == Self.taskOnRqQueued { try add(s, "stop") }
                }
            }
        }
        // Deadline: rbtree ordered by deadline (kernel/sched/deadline.c __enqueue_dl_entity).
        for node in try rbtree.inorder(cachedRoot: r + dl.offset + dlRoot.offset, what: "dl run queue of CPU \(cpu)", limit: 100_000) {
            let dlSe = node - dlNode.offset
            _ = try warnings.skipping("sched_dl_entity", at: dlSe) {
                try add(dlSe - dlEntity.offset, "dl", deadline: try kernel.readUnsigned(dlSe, dlDeadline))
            }
        }
        // Realtime: one list per priority, highest (0) first (kernel/sched/rt.c).
        try rtEntities(rtRq: r + rt.offset, cpu: cpu, depth: 0) { try add($0, "rt") }
        // Fair.
        try cfsEntities(cfsRq: r + cfs.offset, cpu: cpu, depth: 0) { task, vr, q, d in
            try add(task, "fair", vruntime: vr, cfsRq: q, depth: d)
        }
        // The running task, whatever its class: first, with the queue data if
        // it was found on a queue (a running fair task is its cfs_rq's curr),
        // else read from its own entities (the idle task, a stopping task).
        if current != 0 {
            if let i = out.firstIndex(where: { $0.task == current }) {
                out.insert(out.remove(at: i), at: 0)
            } else {
                _ = try warnings.skipping("task_struct", at: current) { () throws -> Void in
                    let cls = try className(task: current)
                    try add(current, cls,
                            vruntime: cls == "fair" ? try kernel.readUnsigned(current + se.offset, vruntime) : nil,
                            deadline: cls == "dl" ? try kernel.readUnsigned(current + dlEntity.offset, dlDeadline) : nil)
                }
                if out.last?.task == current { out.insert(out.removeLast(), at: 0) }
            }
        }
        return out
    }

    /// Tasks queued on an rt_rq, following group entities' my_q (CONFIG_RT_GROUP_SCHED).
    func rtEntities(rtRq: UInt64, cpu: Int, depth: Int, _ visit: (UInt64) throws -> Void) throws {
        guard depth < 32 else { throw MemoryError.cycle(what: "rt group nesting on CPU \(cpu)", at: rtRq) }
        let queues = rtRq + rtQueue.offset
        let count = rtQueue.size / max(listHeadSize, 1)
        for p in 0..<count {
            let head = queues + UInt64(p * listHeadSize)
            let what = "rt queue \(p) of CPU \(cpu)"
            for node in try kernel.warnings.skipping(what, at: head, { try kernel.listNodes(head: head, what: what, limit: 100_000) }) ?? [] {
                let rtSe = node - rtRunList.offset
                _ = try kernel.warnings.skipping("sched_rt_entity", at: rtSe) {
                    if let rtMyQ, case let q = try kernel.readPointer(rtSe, rtMyQ), q != 0 {
                        try rtEntities(rtRq: q, cpu: cpu, depth: depth + 1, visit)
                    } else {
                        try visit(rtSe - rtEntity.offset)
                    }
                }
            }
        }
    }

    /// Tasks on a cfs_rq in vruntime order, the cfs_rq's running entity
    /// (`curr`, not in the tree) included, descending into group entities.
    func cfsEntities(cfsRq: UInt64, cpu: Int, depth: Int, _ visit: (UInt64, UInt64, UInt64, Int) throws -> Void) throws {
        guard depth < 32 else { throw MemoryError.cycle(what: "task group nesting on CPU \(cpu)", at: cfsRq) }
        var entities = try rbtree.inorder(cachedRoot: cfsRq + tasksTimeline.offset, what: "CFS run queue of CPU \(cpu)", limit: 1_000_000)
            .map { $0 - runNode.offset }
        let running = try kernel.readPointer(cfsRq, cfsCurr)
        if running != 0, !entities.contains(running) { entities.insert(running, at: 0) }
        for e in entities {
            _ = try kernel.warnings.skipping("sched_entity", at: e) {
                if let myQ, case let q = try kernel.readPointer(e, myQ), q != 0 {
                    try cfsEntities(cfsRq: q, cpu: cpu, depth: depth + 1, visit)
                } else {
                    let d = try seDepth.map { Int(try kernel.readUnsigned(e, $0)) } ?? depth
                    try visit(e - se.offset, try kernel.readUnsigned(e, vruntime), cfsRq, d)
                }
            }
        }
    }
}
