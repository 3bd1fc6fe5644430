import KdsqlMemory
import KdsqlKernel

/// `signals`: 64 rows per task, one per signal (crash's `sig`). Each task's
/// sighand is read when the scan reaches it.
struct SignalsTable: VirtualTable {
    struct Row {
        var task: UInt64
        var pid: Int64
        var tgid: Int64
        var action: SignalDisposition
        /// Kernel symbol of the handler; user-space handlers have none.
        var handlerSymbol: String?
    }

    static var columns: Columns {
        Columns(
            pid: .integer { $0.pid },
            tgid: .integer { $0.tgid },
            task: .address { $0.task },
            signal: .integer { $0.action.signal },
            name: .text { $0.action.name },
            disposition: .text { $0.action.disposition },
            handler: .address { $0.action.handler },
            handlerSymbol: .text { $0.handlerSymbol },
            flags: .integer { $0.action.flags },
            mask: .bitPattern { $0.action.mask },
            blocked: .bool { $0.action.blocked },
            pending: .bool { $0.action.pending },
            sharedPending: .bool { $0.action.sharedPending })
    }
    static var estimatedRows: Double { 10_000 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let tasks = try session.tasks()
        let signals = try session.signals()
        let symbols = session.kernel.symbols
        var wanted = TaskSelection(thread: filter.pid, task: filter.task)
        wanted.idleTasks = false
        var selection = try session.select(wanted)
        return Rows(flattening: { try selection.next() }) { (task: UInt64) -> [Row] in
            // An unreadable task (damaged dump) loses its rows, with a warning; the scan goes on.
            let state: TaskSignals, pid: Int64, tgid: Int64
            do {
                state = try signals.state(task: task)
                pid = try tasks.pid(task); tgid = try tasks.tgid(task)
            } catch {
                context.warn("signals: task 0x\(String(task, radix: 16)) skipped: \(error)")
                return []
            }
            return state.actions.map { a in
                var row = Row(task: task, pid: pid, tgid: tgid, action: a, handlerSymbol: nil)
                // Handlers are user-space addresses; only a kernel one resolves to a symbol.
                if a.handler >= 0xffff_8000_0000_0000, let hit = symbols.symbolize(a.handler) {
                    row.handlerSymbol = hit.offset == 0 ? hit.symbol.name : "\(hit.symbol.name)+0x\(String(hit.offset, radix: 16))"
                }
                return row
            }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.task, UInt64(row.action.signal)) }
}
