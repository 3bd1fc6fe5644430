import CSQLite

/// Small helpers that read a single value or rows for the front end's own
/// bookkeeping queries (schema listings, the `sys` summary).
enum SingleValue {
    static func integer(_ sql: String, on db: OpaquePointer) throws(StatementError) -> Int64 {
        let rows = try self.rows(sql, on: db)
        guard let first = rows.first?.first, case let .integer(v) = first else { return 0 }
        return v
    }

    /// Every row of one statement, with column names.
    static func rows(_ sql: String, on db: OpaquePointer) throws(StatementError) -> [[CellValue]] {
        try table(sql, on: db).rows
    }

    static func table(_ sql: String, on db: OpaquePointer) throws(StatementError) -> (columns: [String], rows: [[CellValue]]) {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw StatementError(message: String(cString: sqlite3_errmsg(db)), sql: sql)
        }
        defer { sqlite3_finalize(statement) }
        let count = sqlite3_column_count(statement)
        let columns = (0..<count).map { sqlite3_column_name(statement, $0).map { String(cString: $0) } ?? "" }
        var rows: [[CellValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw StatementError(message: String(cString: sqlite3_errmsg(db)), sql: sql) }
            rows.append((0..<count).map { CellValue(statement: statement, column: $0) })
        }
        return (columns, rows)
    }
}
