/// `kdsql_stats`: the connection's counters (page cache, rows visited).
struct KdsqlStatsTable: VirtualTable {
    typealias Row = (name: String, value: Int64)

    static var columns: Columns {
        Columns(name: .text { $0.name }, value: .integer { $0.value })
    }
    static var estimatedRows: Double { 20 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        // Snapshot first: counting this table's own rows must not change what it shows.
        Rows(context.statistics.filter { filter.name.contains($0.name) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(text: row.name) }
}
