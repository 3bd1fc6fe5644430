import CSQLite

/// A plain in-memory SQLite connection: the stand-in `QueryConnection` until
/// the real `KdsqlDatabase` is plugged into `SessionOpener`, and the one the
/// tests use. Its tables are whatever the caller creates.
public final class MemoryConnection: QueryConnection {
    public let handle: OpaquePointer
    private var warnings: [String] = []

    public init() throws(StatementError) {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard rc == SQLITE_OK, let db else {
            if let db { sqlite3_close_v2(db) }
            throw StatementError(message: "cannot open an in-memory SQLite database (code \(rc))", sql: "")
        }
        handle = db
    }

    deinit { sqlite3_close_v2(handle) }

    /// Lets tests act like a walker that met unreadable memory.
    public func addWarning(_ text: String) { warnings.append(text) }

    public func drainWarnings() -> [String] {
        defer { warnings = [] }
        return warnings
    }

    public func tableSummaries() -> [TableSummary] {
        let names = (try? SingleValue.rows(
            "SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
            on: handle)) ?? []
        return names.compactMap { row in
            guard case let .text(name)? = row.first else { return nil }
            let info = (try? SingleValue.rows("SELECT name, type FROM pragma_table_info('\(name.replacingQuotes())')", on: handle)) ?? []
            let columns = info.map { ColumnSummary(name: $0[0].text(null: ""), type: $0[1].text(null: "")) }
            return TableSummary(name: name, description: "", columns: columns)
        }
    }
}
