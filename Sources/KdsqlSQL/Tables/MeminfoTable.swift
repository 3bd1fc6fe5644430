import KdsqlMemory
import KdsqlKernel

/// `meminfo`: /proc/meminfo as the kernel would have printed it at the crash.
struct MeminfoTable: VirtualTable {
    typealias Row = (index: Int, line: MemInfoLine)

    static var columns: Columns {
        Columns(name: .text { $0.line.name }, kb: .integer { $0.line.kb })
    }
    static var estimatedRows: Double { 50 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).memInfo().lines().enumerated().map { ($0.offset, $0.element) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(UInt64(row.index)) }
}
