import KdsqlMemory
import KdsqlKernel

/// `tasks`: one row per thread. A row is just the task_struct address; each
/// column reads its field only when SQLite asks for it.
struct TasksTable: VirtualTable {
    struct Row {
        var task: UInt64
        var scan: TaskScan
        var walker: Tasks { scan.walker }
    }

    /// State shared by the rows of one scan: the walker and values computed
    /// at most once per scan (which tasks are on a CPU, total memory).
    final class TaskScan {
        let walker: Tasks
        init(_ walker: Tasks) { self.walker = walker }
        lazy var active: Result<Set<UInt64>, any Error> = Result { Set(try walker.activeTasks().values) }
        lazy var memoryBytes: UInt64? = {
            let k = walker.kernel
            guard let pages = (try? k.address(of: "_totalram_pages")) ?? (try? k.address(of: "totalram_pages")) else { return nil }
            return (try? k.readU64(pages)).map { $0 * 4096 }
        }()
    }

    static let name = "tasks"
    static var columns: [String: Column<Row>] {
        [
            "pid": .integer { try $0.walker.pid($0.task) },
            "tgid": .integer { try $0.walker.tgid($0.task) },
            "ppid": .integer { try $0.walker.ppid($0.task) },
            "comm": .text { try $0.walker.comm($0.task) },
            "state": .text { try $0.walker.stateCode($0.task) },
            "state_raw": .integer { try $0.walker.stateRaw($0.task) },
            "task": .address { $0.task },
            "cpu": .integer { try $0.walker.cpu($0.task) },
            "prio": .integer { try $0.walker.prio($0.task) },
            "static_prio": .integer { try $0.walker.staticPrio($0.task) },
            "nice": .integer { try $0.walker.nice($0.task) },
            "policy": .integer { try $0.walker.policy($0.task) },
            "flags": .integer { try $0.walker.flags($0.task) },
            "uid": .integer { try $0.walker.uid($0.task) },
            "gid": .integer { try $0.walker.gid($0.task) },
            "euid": .integer { try $0.walker.euid($0.task) },
            "start_time_ns": .integer { try $0.walker.startTimeNs($0.task) },
            "utime_ns": .integer { try $0.walker.utimeNs($0.task) },
            "stime_ns": .integer { try $0.walker.stimeNs($0.task) },
            "vsz_kb": .integer { try $0.walker.vszKB($0.task) },
            "rss_kb": .integer { try $0.walker.rssKB($0.task) },
            "mem_pct": .real { row in
                guard let total = row.scan.memoryBytes, total > 0 else { return nil }
                // One decimal, like crash's %MEM.
                return (Double(try row.walker.rssKB(row.task)) * 1024 / Double(total) * 1000).rounded() / 10
            },
            "nr_threads": .integer { try $0.walker.nrThreads($0.task) },
            "is_kernel_thread": .bool { try $0.walker.isKernelThread($0.task) },
            "is_group_leader": .bool { try $0.walker.pid($0.task) == $0.walker.tgid($0.task) },
            "is_active": .bool { try $0.scan.active.get().contains($0.task) },
        ]
    }
    static var estimatedRows: Double { 1000 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        var plan = query.defaultPlan(fullScanRows: Self.estimatedRows)
        // A pid or task_struct address names one thread (pid 0 names the few
        // idle tasks, so the plan must not claim uniqueness).
        if plan.consumed.contains(where: { $0.op == .equal && ($0.column == "pid" || $0.column == "task") }) {
            plan.estimatedRows = 1
            plan.estimatedCost = 10
        } else if plan.consumed.contains(where: { $0.column == "tgid" }) {
            plan.estimatedRows = 4
            plan.estimatedCost = 40
        }
        return plan
    }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let walker = try context.cached("tasks.walker") { try Tasks(kernel: kernel) }
        let taskScan = TaskScan(walker)
        let pid = scan.equal("pid"), tgid = scan.equal("tgid"), task = scan.equal("task")
        if pid == nil && tgid == nil && task == nil {
            var iterator = try walker.makeIterator()
            return Rows(next: { try iterator.next().map { Row(task: $0, scan: taskScan) } })
        }
        // Pushed-down equalities: find candidates cheaply, then check every
        // consumed constraint (SQLite does not re-check them).
        var candidates: [UInt64]
        if let pid {
            guard let p = pid.int64 else { return .empty }
            candidates = try walker.lookup(pid: p)
        } else if let task {
            guard let address = task.uint64 else { return .empty }
            // Only a real task: its pid must lead back to the same address.
            guard let p = try? walker.pid(address), (try? walker.lookup(pid: p).contains(address)) == true else { return .empty }
            candidates = [address]
        } else {
            guard let g = tgid?.int64 else { return .empty }
            candidates = try walker.lookup(pid: g).flatMap { leader in
                (try? walker.tgid(leader)) == g ? try walker.threads(ofLeader: leader) : []
            }
        }
        let rows = try candidates.filter { t in
            if let pid, try walker.pid(t) != pid.int64 { return false }
            if let tgid, try walker.tgid(t) != tgid.int64 { return false }
            if let task, t != task.uint64 { return false }
            return true
        }
        return Rows(rows.lazy.map { Row(task: $0, scan: taskScan) })
    }

    func rowid(_ row: Row) -> Int64? { Int64(bitPattern: row.task) }
}
