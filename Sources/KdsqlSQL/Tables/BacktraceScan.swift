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
        let warnings = session.kernel.warnings
        next = {
            guard let t = try tasks.next() else { return nil }
            let trace = traces.trace(task: t)
            // A failed unwind keeps its `error` frame, and is also said once
            // per cause (a stack page the dump lacks, a corrupt return address).
            if let failed = trace.frames.first(where: { $0.error != nil }), let why = failed.error {
                if warnings.strict { throw UnwindError(task: t, reason: why) }
                warnings.scope = table
                warnings.note("unwinding stopped early: \(BacktraceScan.cause(why))", at: t, cause: "unwinding failures")
            }
            return UnwoundTask(trace, traces)
        }
    }

    /// The reason without the addresses that make each task's text unique.
    static func cause(_ reason: String) -> String {
        if reason.contains("was excluded from the dump") { return "a page was excluded from the dump" }
        if reason.contains("past the end of the truncated") { return "a page lies past the end of the truncated dump" }
        if reason.contains("is not mapped") { return "an address is not mapped" }
        return reason
    }

    struct UnwindError: Error, CustomStringConvertible {
        let task: UInt64, reason: String
        var description: String { "unwinding task 0x\(String(task, radix: 16)) failed: \(reason)" }
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
