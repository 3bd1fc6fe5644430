import KdsqlMemory
import KdsqlKernel

/// What the per-process tables (mm, vmas, cmdline, files, fs) share: the
/// process a row belongs to, which tasks a scan visits, and the plan. Their
/// `pid` is the process id (tgid); `tid` and `comm` are the visited
/// thread's, which differ only with include_threads = 1.
struct ProcessRow {
    var pid: Int64
    var task: UInt64
    var tasks: Tasks
    var tid: Int64 { get throws { try tasks.pid(task) } }
    var comm: String { get throws { try tasks.comm(task) } }
}

/// A per-process table: `pid = N` names one process, so a plan that has it
/// expects `rowsPerProcess` rows instead of a walk of every task.
protocol ProcessTable: VirtualTable {
    static var rowsPerProcess: Double { get }
}

extension ProcessTable {
    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        ProcessTables.plan(query, fullScanRows: Self.estimatedRows, rowsPerProcess: Self.rowsPerProcess)
    }
}

enum ProcessTables {
    /// The processes a scan visits, pulled one at a time, with the session.
    static func processes(pid: IntegerConstraint, includeThreads: SQLValue?, _ context: ConnectionContext,
                          neededBy table: String) throws -> (session: KernelSession, next: () throws -> ProcessRow?) {
        let session = try context.session(neededBy: table)
        let tasks = try session.tasks()
        var iterator = try session.select(.processes(pid: pid, includeThreads: includeThreads))
        return (session, {
            guard let task = try iterator.next() else { return nil }
            return ProcessRow(pid: try tasks.tgid(task), task: task, tasks: tasks)
        })
    }

    /// A process visited with its address space (kernel threads have none).
    struct AddressSpace { var process: ProcessRow; var mm: UInt64 }

    /// The processes with an mm: the shared start of the one-row-per-address-space tables (mm, cmdline).
    static func addressSpaces(pid: IntegerConstraint, includeThreads: SQLValue?, _ context: ConnectionContext,
                              neededBy table: String) throws -> (session: KernelSession, next: () throws -> AddressSpace?) {
        let (session, nextProcess) = try processes(pid: pid, includeThreads: includeThreads, context, neededBy: table)
        return (session, {
            while let process = try nextProcess() {
                let mm = try process.tasks.mm(process.task)
                if mm != 0 { return AddressSpace(process: process, mm: mm) }
            }
            return nil
        })
    }

    /// A pid names one process: a few rows instead of a walk of every task.
    static func plan(_ query: IndexQuery, fullScanRows: Double, rowsPerProcess: Double) -> IndexPlan {
        var plan = query.defaultPlan(fullScanRows: fullScanRows)
        if plan.consumed.contains(where: { $0.op == .equal && $0.column == "pid" }) {
            plan.estimatedRows = Int64(rowsPerProcess)
            plan.estimatedCost = rowsPerProcess * 2
        }
        return plan
    }
}
