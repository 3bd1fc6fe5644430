import KdsqlKernel

/// `taint`: one row per taint flag of the kernel in the dump.
struct TaintTable: VirtualTable {
    typealias Row = TaintFlag

    static var columns: Columns {
        Columns(
            bit: .integer { $0.bit },
            letter: .text { $0.letter },
            letterUnset: .text { $0.letterUnset },
            name: .text { $0.name },
            description: .text { $0.description },
            isSet: .bool { $0.isSet },
            module: .bool { $0.module })
    }
    static var estimatedRows: Double { 20 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<TaintFlag> {
        Rows(try Taint(kernel: try context.kernel(neededBy: Self.name)).flags)
    }

    func rowIdentity(_ row: TaintFlag) -> RowIdentity { RowIdentity(row.bit) }
}
