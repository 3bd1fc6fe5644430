/// `kdsql_stats`: the connection's counters (page cache, rows visited).
struct KdsqlStatsTable: VirtualTable {
    typealias Row = (name: String, value: Int64)
    static let name = "kdsql_stats"
    static var columns: [String: Column<Row>] {
        ["name": .text { $0.name }, "value": .integer { $0.value }]
    }
    static var estimatedRows: Double { 20 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        // Snapshot first: counting this table's own rows must not change what it shows.
        var stats = context.statistics
        if let wanted = scan.equal("name")?.string { stats = stats.filter { $0.name == wanted } }
        return Rows(stats)
    }
}
