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
    }

    static let name = "registers"
    static var columns: [String: Column<Row>] {
        [
            "pid": .integer { try $0.unwound.pid.get() },
            "task": .address { $0.unwound.trace.task },
            "cpu": .integer { $0.unwound.trace.cpu },
            "frame": .integer { $0.frame },
            "name": .text { $0.name },
            "value": .address { $0.value },
            "source": .text { row in
                switch row.unwound.trace.frames[row.frame].method {
                case .registers: return "cpu_note"
                case .savedContext: return "saved_context"
                default: return "pt_regs"
                }
            },
            "regs_address": .address { $0.unwound.trace.frames[$0.frame].regsAddress },
        ]
    }
    static var estimatedRows: Double { 10_000 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan { BacktraceScan.plan(query, fullScanRows: Self.estimatedRows) }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let backtraces = try BacktraceScan(context: context, scan: scan, table: Self.name)
        let nextTask = try backtraces.tasks()
        var pending: [Row] = []
        var index = 0
        return Rows(next: {
            while index >= pending.count {
                guard let t = try nextTask() else { return nil }
                let unwound = UnwoundTask(backtraces.traces.trace(task: t), backtraces.traces)
                pending = backtraces.traces.registerRows(unwound.trace).map {
                    Row(unwound: unwound, frame: $0.frame, name: $0.name, value: $0.value)
                }
                index = 0
            }
            defer { index += 1 }
            return pending[index]
        })
    }
}
