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

    /// State shared by the rows of one scan: the walkers and values computed
    /// at most once per scan (which tasks are on a CPU, total memory).
    final class TaskScan {
        let walker: Tasks
        let counters: MMCounters
        init(_ walker: Tasks, _ counters: MMCounters) {
            self.walker = walker
            self.counters = counters
        }
        lazy var sched: Result<SchedTimesReader, any Error> = Result { try SchedTimesReader(kernel: walker.kernel) }
        func schedTimes(_ t: UInt64) throws -> SchedTimes { try sched.get().times(task: t) }
        lazy var active: Result<Set<UInt64>, any Error> = Result { Set(try walker.activeTasks().values) }
        lazy var memoryBytes: UInt64? = {
            let k = walker.kernel
            guard let pages = (try? k.address(of: "_totalram_pages")) ?? (try? k.address(of: "totalram_pages")) else { return nil }
            return (try? k.readU64(pages)).map { $0 * k.pageSize }
        }()
        func rssKB(_ t: UInt64) throws -> Int64 { try counters.rssKB(mm: walker.mm(t)) }
    }

    static var columns: Columns {
        Columns(
            pid: .integer { try $0.walker.pid($0.task) },
            tgid: .integer { try $0.walker.tgid($0.task) },
            ppid: .integer { try $0.walker.ppid($0.task) },
            comm: .text { try $0.walker.comm($0.task) },
            state: .text { try $0.walker.stateCode($0.task) },
            stateRaw: .integer { try $0.walker.stateRaw($0.task) },
            task: .address { $0.task },
            cpu: .integer { try $0.walker.cpu($0.task) },
            prio: .integer { try $0.walker.prio($0.task) },
            staticPrio: .integer { try $0.walker.staticPrio($0.task) },
            nice: .integer { try $0.walker.nice($0.task) },
            policy: .integer { try $0.walker.policy($0.task) },
            flags: .integer { try $0.walker.flags($0.task) },
            uid: .integer { try $0.walker.uid($0.task) },
            gid: .integer { try $0.walker.gid($0.task) },
            euid: .integer { try $0.walker.euid($0.task) },
            startTimeNs: .integer { try $0.walker.startTimeNs($0.task) },
            utimeNs: .integer { try $0.walker.utimeNs($0.task) },
            stimeNs: .integer { try $0.walker.stimeNs($0.task) },
            vszKb: .integer { try $0.scan.counters.virtualKB(mm: $0.walker.mm($0.task)) },
            rssKb: .integer { try $0.scan.rssKB($0.task) },
            memPct: .real { row in
                guard let total = row.scan.memoryBytes, total > 0 else { return nil }
                // One decimal, like crash's %MEM.
                return (Double(try row.scan.rssKB(row.task)) * 1024 / Double(total) * 1000).rounded() / 10
            },
            nrThreads: .integer { try $0.walker.nrThreads($0.task) },
            isKernelThread: .bool { try $0.walker.isKernelThread($0.task) },
            isGroupLeader: .bool { try $0.walker.pid($0.task) == $0.walker.tgid($0.task) },
            isActive: .bool { try $0.scan.active.get().contains($0.task) },
            sumExecRuntimeNs: .integer { try $0.scan.schedTimes($0.task).sumExecRuntime },
            runDelayNs: .integer { try $0.scan.schedTimes($0.task).runDelay },
            pcount: .integer { try $0.scan.schedTimes($0.task).pcount },
            execStartNs: .integer { try $0.scan.schedTimes($0.task).execStart },
            lastArrivalNs: .integer { try $0.scan.schedTimes($0.task).lastArrival },
            lastQueuedNs: .integer { try $0.scan.schedTimes($0.task).lastQueued })
    }

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

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let scan = TaskScan(try session.tasks(), try session.mmCounters())
        var tasks = try session.select(TaskSelection(thread: filter.pid, process: filter.tgid, task: filter.task))
        return Rows(next: { try tasks.next().map { Row(task: $0, scan: scan) } })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.task) }
}
