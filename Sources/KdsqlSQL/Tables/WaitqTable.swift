import KdsqlMemory
import KdsqlKernel
import KdsqlDebugInfo

/// `waitq(queue)`: the entries of one wait queue, crash's `waitq`.
struct WaitqTable: VirtualTable {
    typealias Row = (entry: WaitQueues.Entry, tasks: Tasks, symbols: any SymbolTable)

    static var columns: Columns {
        Columns(
            pid: .integer { row in try row.entry.task.map { try row.tasks.pid($0) } },
            task: .address { $0.entry.task },
            comm: .text { row in try row.entry.task.map { try row.tasks.comm($0) } },
            funcSymbol: .text { $0.symbols.describe($0.entry.function) },
            func: .address { $0.entry.function },
            flags: .integer { $0.entry.flags },
            private: .address { $0.entry.privateData },
            entry: .address { $0.entry.address })
    }
    static var estimatedRows: Double { 4 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let queue = filter.queue, !queue.isNull else { return .empty }
        let session = try context.session(neededBy: Self.name)
        let kernel = session.kernel
        let address: UInt64
        if case .text(let text) = queue, Int64(text) == nil, !text.hasPrefix("0x") {
            // A symbol, or a member path inside one ('log_wait', 'pipe.rd_wait').
            guard let a = try kernel.address(ofSymbolPath: text) else {
                throw FunctionArgumentError(Self.name, "'\(text)' passes through a NULL pointer")
            }
            address = a
        } else {
            guard let a = queue.uint64 else { throw FunctionArgumentError(Self.name, "expected an address or a symbol, got \(queue)") }
            address = a
        }
        let tasks = try session.tasks()
        let symbols = kernel.symbols
        return Rows(try session.waitQueues().entries(queue: address).map { ($0, tasks, symbols) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.entry.address) }
}
