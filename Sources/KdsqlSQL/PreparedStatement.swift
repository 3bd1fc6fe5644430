@preconcurrency import CSQLite

/// One SQL statement compiled once and run as often as needed. SQLite picks
/// the plan when the statement is prepared (the tables' xBestIndex); each run
/// opens fresh scans (xFilter), so every run reads the dump again. For tools
/// that repeat a query — a watch loop, a benchmark of the tables' own cost
/// without SQLite's parser in it.
public final class PreparedStatement {
    /// Keeps the connection open while the statement lives.
    public let database: KdsqlDatabase
    public let sql: String
    let statement: OpaquePointer

    init(database: KdsqlDatabase, sql: String) throws(SQLError) {
        self.database = database
        self.sql = sql
        let api = SQLite.api
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = sql.withCString { api.pointee.prepare_v2!(database.handle, $0, -1, &stmt, &tail) }
        guard rc == SQLITE_OK else { throw database.error(rc, sql) }
        guard let stmt else { throw SQLError(code: SQLITE_MISUSE, message: "no statement to prepare", sql: sql) }
        statement = stmt
    }

    deinit { _ = SQLite.api.pointee.finalize!(statement) }

    /// Runs the statement to completion, calling `body` with each row.
    public func forEachRow(_ body: ([SQLValue]) -> Void) throws(SQLError) {
        defer { _ = SQLite.api.pointee.reset!(statement) }
        try Self.step(statement, database: database, sql: sql, body)
    }

    /// Runs the statement and returns every row.
    public func rows() throws(SQLError) -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        try forEachRow { rows.append($0) }
        return rows
    }

    /// Steps `stmt` until SQLITE_DONE; shared with `KdsqlDatabase.forEachRow`.
    static func step(_ stmt: OpaquePointer, database: KdsqlDatabase, sql: String,
                     _ body: ([SQLValue]) -> Void) throws(SQLError) {
        let api = SQLite.api
        let columns = api.pointee.column_count!(stmt)
        while true {
            let step = api.pointee.step!(stmt)
            if step == SQLITE_DONE { return }
            guard step == SQLITE_ROW else { throw database.error(step, sql) }
            var row: [SQLValue] = []
            row.reserveCapacity(Int(columns))
            for i in 0..<columns { row.append(SQLite.value(api.pointee.column_value!(stmt, i))) }
            body(row)
        }
    }
}

extension KdsqlDatabase {
    /// Compiles the first statement of `sql` for repeated runs.
    public func prepare(_ sql: String) throws(SQLError) -> PreparedStatement {
        try PreparedStatement(database: self, sql: sql)
    }
}
