import KdsqlMemory
import KdsqlKernel

/// What `stack_frames` and `registers` share: the session's StackTraces
/// (ORC tables, stacks, module symbols resolved once) and the tasks to
/// unwind, chosen by `TaskSelection` from `pid =`, `task =` and `cpu =`, so
/// `WHERE pid = N` unwinds one task found through the pid IDR.
struct BacktraceScan {
    let traces: StackTraces
    /// Pulls the next task, unwound.
    let next: () throws -> UnwoundTask?

    init(_ context: ConnectionContext, pid: IntegerConstraint, task: IntegerConstraint, cpu: IntegerConstraint,
         table: String) throws {
        let session = try context.session(neededBy: table)
        let traces = try session.stackTraces()
        self.traces = traces
        var tasks = try session.select(TaskSelection(thread: pid, task: task, cpu: cpu))
        next = { try tasks.next().map { UnwoundTask(traces.trace(task: $0), traces) } }
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
