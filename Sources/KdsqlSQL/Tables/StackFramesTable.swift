import KdsqlMemory
import KdsqlKernel

/// `stack_frames`: one row per frame of every task's backtrace. Tasks are
/// unwound one at a time as SQLite pulls rows.
struct StackFramesTable: VirtualTable {
    struct Row {
        var unwound: UnwoundTask
        var index: Int
        var frame: StackFrame { unwound.trace.frames[index] }
    }

    static var columns: Columns {
        Columns(
            pid: .integer { try $0.unwound.pid.get() },
            task: .address { $0.unwound.trace.task },
            cpu: .integer { $0.unwound.trace.cpu },
            frame: .integer { $0.index },
            sp: .address { $0.frame.sp },
            pc: .address { $0.frame.pc },
            function: .text { $0.frame.function },
            offset: .integer { $0.frame.offset },
            size: .integer { $0.frame.size },
            symbol: .text { $0.frame.symbol },
            module: .text { $0.frame.module },
            isExceptionFrame: .bool { $0.frame.isExceptionFrame },
            method: .text { $0.frame.method.rawValue },
            stack: .text { $0.frame.stack },
            error: .text { $0.frame.error },
            inScheduler: .bool { $0.frame.inScheduler },
            inlined: .bool { $0.frame.inlined },
            file: .text { $0.frame.file },
            line: .integer { $0.frame.line })
    }
    static var estimatedRows: Double { 10_000 }

    func bestIndex(_ query: IndexQuery) -> IndexPlan { BacktraceScan.plan(query, fullScanRows: Self.estimatedRows) }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let scan = try BacktraceScan(context, pid: filter.pid, task: filter.task, cpu: filter.cpu, table: Self.name)
        return Rows(flattening: scan.next, skipping: context, table: Self.name, object: "kernel stack", at: { $0.trace.task }) { unwound in
            unwound.trace.frames.indices.map { Row(unwound: unwound, index: $0) }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.unwound.trace.task, UInt64(row.index)) }
}
