import KdsqlMemory
import KdsqlKernel

/// `sysrq_keys`: the kernel's sysrq_key_table, one row per registered key.
struct SysrqKeysTable: VirtualTable {
    typealias Row = (key: SysRq.Key, symbol: String?)

    static var columns: Columns {
        Columns(
            key: .text { $0.key.key },
            help: .text { $0.key.help },
            action: .text { $0.key.action },
            handler: .address { $0.key.handler },
            handlerSymbol: .text { $0.symbol },
            enableMask: .integer { $0.key.enableMask },
            enabled: .bool { $0.key.enabled },
            op: .address { $0.key.op })
    }
    static var estimatedRows: Double { 40 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let symbols = session.kernel.symbols
        return Rows(try session.sysrq().keys.map { key in
            (key, key.handler.flatMap { h in symbols.symbolize(h).map { $0.offset == 0 ? $0.symbol.name : symbols.describe(h)! } })
        })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(UInt64(row.key.index)) }
}
