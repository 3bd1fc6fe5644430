import KdsqlMemory
import KdsqlKernel

/// What `stack_frames` and `registers` share: the connection's StackTraces
/// (ORC tables, stacks, module symbols resolved once) and the choice of tasks
/// to unwind. `pid =`, `task =` and `cpu =` are pushed down, so
/// `WHERE pid = N` unwinds one task found through Tasks.lookup(pid:).
struct BacktraceScan {
    let traces: StackTraces
    let pid: SQLValue?, task: SQLValue?, cpu: SQLValue?

    static func traces(_ context: ConnectionContext, neededBy table: String) throws -> StackTraces {
        let kernel = try context.kernel(neededBy: table)
        let walker = try context.cached("tasks.walker") { try Tasks(kernel: kernel) }
        return try context.cached("stack.traces") { try StackTraces(kernel: kernel, tasks: walker) }
    }

    init(context: ConnectionContext, scan: Scan, table: String) throws {
        traces = try Self.traces(context, neededBy: table)
        pid = scan.equal("pid")
        task = scan.equal("task")
        cpu = scan.equal("cpu")
    }

    /// Pulls the tasks to unwind, one at a time.
    func tasks() throws -> () throws -> UInt64? {
        let walker = traces.tasks
        if pid == nil && task == nil && cpu == nil {
            var iterator = try walker.makeIterator()
            return { try iterator.next() }
        }
        var candidates: [UInt64]
        if let pid {
            guard let p = pid.int64 else { return { nil } }
            candidates = try walker.lookup(pid: p)
        } else if let task {
            guard let address = task.uint64, let p = try? walker.pid(address),
                  (try? walker.lookup(pid: p).contains(address)) == true else { return { nil } }
            candidates = [address]
        } else {
            guard let c = cpu?.int64 else { return { nil } }
            candidates = traces.activeCPU.filter { Int64($0.value) == c }.map(\.key)
        }
        // SQLite does not re-check consumed constraints: every one must hold.
        candidates = try candidates.filter { t in
            if let pid, try walker.pid(t) != pid.int64 { return false }
            if let task, t != task.uint64 { return false }
            if let cpu, traces.activeCPU[t].map(Int64.init) != cpu.int64 { return false }
            return true
        }
        var index = 0
        return {
            guard index < candidates.count else { return nil }
            defer { index += 1 }
            return candidates[index]
        }
    }

    /// Plan: an equality on pid, task or cpu names one or two tasks.
    static func plan(_ query: IndexQuery, fullScanRows: Double) -> IndexPlan {
        var plan = query.defaultPlan(fullScanRows: fullScanRows)
        if plan.consumed.contains(where: { $0.op == .equal && ["pid", "task", "cpu"].contains($0.column) }) {
            plan.estimatedRows = 12
            plan.estimatedCost = 50
        }
        return plan
    }
}

/// One unwound task shared by the rows made from it.
final class UnwoundTask {
    let trace: StackTrace
    let traces: StackTraces
    init(_ trace: StackTrace, _ traces: StackTraces) {
        self.trace = trace
        self.traces = traces
    }
    lazy var pid: Result<Int64, any Error> = Result { try traces.tasks.pid(trace.task) }
}
