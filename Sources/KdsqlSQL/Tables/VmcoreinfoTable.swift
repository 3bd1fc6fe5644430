import KdsqlDebugInfo

/// `vmcoreinfo`: the KEY=value lines of the dump's VMCOREINFO note.
struct VmcoreinfoTable: VirtualTable {
    /// A line and its position in the note (keys may repeat).
    typealias Row = (line: Int, key: String, value: String)

    static var columns: Columns {
        Columns(key: .text { $0.key }, value: .text { $0.value })
    }
    static var estimatedRows: Double { 200 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let info = context.vmcoreinfo else { throw NotAvailable("VMCOREINFO", neededBy: Self.name) }
        return Rows(info.entries.enumerated().lazy
            .filter { filter.key.contains($0.element.key) }
            .map { (line: $0.offset, key: $0.element.key, value: $0.element.value) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.line) }
}
