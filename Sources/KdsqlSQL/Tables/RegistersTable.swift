import KdsqlMemory
import KdsqlKernel

/// `registers`: register values per task and frame — frame 0's from the CPU
/// note or the context-switch frame, then each exception frame's pt_regs.
struct RegistersTable: VirtualTable {
    struct Row {
        var unwound: UnwoundTask
        var frame: Int
        var name: String
        var value: UInt64
        /// Position in the task's register rows (names repeat across frames).
        var ordinal: Int
    }

    static var columns: Columns {
        Columns(
            pid: .integer { try $0.unwound.pid.get() },
            task: .address { $0.unwound.trace.task },
            cpu: .integer { $0.unwound.trace.cpu },
            frame: .integer { $0.frame },
            name: .text { $0.name },
            value: .bitPattern { $0.value },
            source: .text { row in
                switch row.unwound.trace.frames[row.frame].method {
                case .registers: return "cpu_note"
                case .savedContext: return "saved_context"
                default: return "pt_regs"
                }
            },
            regsAddress: .address { $0.unwound.trace.frames[$0.frame].regsAddress })
    }
    static var estimatedRows: Double { 10_000 }

    func bestIndex(_ query: IndexQuery) -> IndexPlan { BacktraceScan.plan(query, fullScanRows: Self.estimatedRows) }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let scan = try BacktraceScan(context, pid: filter.pid, task: filter.task, cpu: filter.cpu, table: Self.name)
        return Rows(flattening: scan.next, skipping: context, table: Self.name, object: "kernel stack", at: { $0.trace.task }) { unwound in
            scan.traces.registerRows(unwound.trace).enumerated().map {
                Row(unwound: unwound, frame: $1.frame, name: $1.name, value: $1.value, ordinal: $0)
            }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.unwound.trace.task, UInt64(row.ordinal)) }
}
