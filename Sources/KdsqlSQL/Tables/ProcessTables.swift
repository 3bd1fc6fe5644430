import KdsqlMemory
import KdsqlKernel

/// What the per-process tables (mm, vmas, cmdline, files, fs) share: the
/// connection's walkers, and which tasks a scan visits. `pid = N` is pushed
/// down to `Tasks.lookup(pid:)`; threads are visited only with
/// `include_threads` (they share their leader's mm, files and fs).
enum ProcessTables {
    static func tasks(_ context: ConnectionContext, neededBy table: String) throws -> Tasks {
        let kernel = try context.kernel(neededBy: table)
        return try context.cached("tasks.walker") { try Tasks(kernel: kernel) }
    }

    static func paths(_ context: ConnectionContext, neededBy table: String) throws -> VFSPath {
        let kernel = try context.kernel(neededBy: table)
        return try context.cached("vfs.paths") { try VFSPath(kernel: kernel) }
    }

    /// The tasks a scan visits, pulled one at a time.
    static func taskRows(_ scan: Scan, tasks: Tasks, context: ConnectionContext) throws -> (() throws -> UInt64?) {
        var includeThreads = false
        if let arg = scan.argument("include_threads") {
            guard let v = arg.int64 else { return { nil } }
            includeThreads = v != 0
        }
        var pid: Int64?
        if let p = scan.equal("pid") {
            guard let v = p.int64 else { return { nil } }
            pid = v
        }
        let index = pid == nil ? nil : try tasks.pidIndex()
        var iterator = try ProcessScope(tasks: tasks, index: index, pid: pid, includeThreads: includeThreads).makeIterator()
        return { try iterator.next() }
    }

    /// A process a scan visits that has an address space (kernel threads have none).
    struct AddressSpace { var task: UInt64; var pid: Int64; var mm: UInt64 }

    /// The connection's mm walker and the processes with an mm that a scan
    /// visits: the shared start of the one-row-per-address-space tables (mm, cmdline).
    static func addressSpaces(_ scan: Scan, _ context: ConnectionContext, neededBy table: String) throws
        -> (tasks: Tasks, summary: MmSummary, next: () throws -> AddressSpace?) {
        let tasks = try Self.tasks(context, neededBy: table)
        let summary = try context.cached("mm.walker") { try MmSummary(kernel: tasks.kernel, tasks: tasks) }
        let nextTask = try taskRows(scan, tasks: tasks, context: context)
        let next: () throws -> AddressSpace? = {
            while let task = try nextTask() {
                let mm = try tasks.mm(task)
                if mm != 0 { return AddressSpace(task: task, pid: try tasks.tgid(task), mm: mm) }
            }
            return nil
        }
        return (tasks, summary, next)
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
