import KdsqlMemory

/// `kdsql_warnings`: the dump's open-time problems (table_name `open`), then
/// every kind of object the session's scans skipped, with counts.
struct KdsqlWarningsTable: VirtualTable {
    typealias Row = KernelWarnings.Entry

    static var columns: Columns {
        Columns(seq: .integer { $0.seq }, tableName: .text { $0.scope.isEmpty ? nil : $0.scope },
                address: .address { $0.address }, message: .text { $0.message }, count: .integer { $0.count })
    }
    static var estimatedRows: Double { 10 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let kernel = context.kernel else { return .empty }
        // A snapshot: rows this scan adds must not change what it shows.
        let opening = kernel.openWarnings.enumerated().map {
            Row(seq: $0.offset + 1, scope: "open", address: nil, message: $0.element, count: 1)
        }
        let scans = kernel.warnings.entries.map {
            Row(seq: $0.seq + opening.count, scope: $0.scope, address: $0.address, message: $0.message, count: $0.count)
        }
        return Rows(opening + scans)
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(UInt64(row.seq)) }
}
