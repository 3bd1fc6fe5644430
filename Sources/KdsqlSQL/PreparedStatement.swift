@preconcurrency import CSQLite
@preconcurrency import Glibc

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

    /// Takes over an already prepared `statement` (one of several in a text).
    init(database: KdsqlDatabase, sql: String, statement: OpaquePointer) {
        self.database = database
        self.sql = sql
        self.statement = statement
    }

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

    /// Number of result columns; 0 for statements that return no rows (CREATE, INSERT, ...).
    public var columnCount: Int { Int(SQLite.api.pointee.column_count!(statement)) }

    /// Result column names as SQLite reports them (`AS` names, else the expression).
    public var columnNames: [String] {
        let api = SQLite.api
        return (0..<Int32(columnCount)).map { i in api.pointee.column_name!(statement, i).map { String(cString: $0) } ?? "" }
    }

    /// Where each result column comes from: the table and column it reads
    /// unchanged (through aliases, subqueries and views), or nil for an
    /// expression. Needs SQLite built with SQLITE_ENABLE_COLUMN_METADATA
    /// (Debian's is); without it every origin is nil.
    public var columnOrigins: [(table: String, column: String)?] {
        let api = SQLite.api
        guard let tableName = api.pointee.column_table_name, let originName = api.pointee.column_origin_name else {
            return Array(repeating: nil, count: columnCount)
        }
        return (0..<Int32(columnCount)).map { i in
            guard let t = tableName(statement, i), let c = originName(statement, i) else { return nil }
            return (String(cString: t), String(cString: c))
        }
    }

    /// The unit each result column's definition gives it (`address`, `kB`,
    /// `ns`, ...), for columns that read a kdsql table column unchanged;
    /// nil for expressions and for tables without a definition.
    public var columnUnits: [String?] {
        columnOrigins.map { origin in
            guard let origin, let table = database.definitions[origin.table],
                  let index = table.columnIndex(origin.column) else { return nil }
            return table.columns[index].unit
        }
    }

    /// The statement's parameters in index order (`:pid`, `@x`, `$y`, or nil for `?`).
    public var parameterNames: [String?] {
        let api = SQLite.api
        let count = api.pointee.bind_parameter_count!(statement)
        guard count > 0 else { return [] }
        return (1...count).map { i in api.pointee.bind_parameter_name!(statement, i).map { String(cString: $0) } }
    }

    /// Binds parameter `index` (from 1) to `value`.
    public func bind(_ value: SQLValue, at index: Int) throws(SQLError) {
        let api = SQLite.api
        let i = Int32(index)
        let rc: Int32
        switch value {
        case .null: rc = api.pointee.bind_null!(statement, i)
        case .integer(let v): rc = api.pointee.bind_int64!(statement, i, v)
        case .real(let v): rc = api.pointee.bind_double!(statement, i, v)
        case .text(let v):
            rc = v.withCString { api.pointee.bind_text64!(statement, i, $0, sqlite3_uint64(strlen($0)), SQLite.transient, UInt8(SQLITE_UTF8)) }
        case .blob(let b):
            rc = b.withUnsafeBytes { api.pointee.bind_blob64!(statement, i, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64($0.count), SQLite.transient) }
        }
        guard rc == SQLITE_OK else { throw database.error(rc, sql) }
    }

    /// Binds parameters by name (`pid` binds `:pid`, `@pid` and `$pid`) and
    /// returns the names of parameters left unbound.
    @discardableResult
    public func bind(_ values: [String: SQLValue]) throws(SQLError) -> [String] {
        var unbound: [String] = []
        for (i, name) in parameterNames.enumerated() {
            guard let name else { unbound.append("?\(i + 1)"); continue }
            let bare = String(name.dropFirst())
            if let value = values[bare] ?? values[name] {
                try bind(value, at: i + 1)
            } else {
                unbound.append(name)
            }
        }
        return unbound
    }

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

    /// Compiles the statements of `sql` one at a time, in order, handing
    /// each to `body` before compiling the next (so a CREATE is seen by the
    /// statements after it). Stops at the first error; a compile error
    /// carries the byte offset SQLite points at.
    public func forEachStatement(_ sql: String, _ body: (PreparedStatement) throws(SQLError) -> Void) throws(SQLError) {
        let api = SQLite.api
        let text = Array(sql.utf8CString)
        let total = text.count - 1  // without the NUL
        var consumed = 0
        while consumed < total {
            var stmt: OpaquePointer?
            var used = 0
            let rc = text.withUnsafeBufferPointer { buffer -> Int32 in
                let start = buffer.baseAddress! + consumed
                var tail: UnsafePointer<CChar>?
                // The length counts the NUL: without one SQLite copies the
                // whole remaining text on every prepare (quadratic on long files).
                let rc = api.pointee.prepare_v2!(handle, start, Int32(total - consumed + 1), &stmt, &tail)
                used = tail.map { $0 - start } ?? (total - consumed)
                return rc
            }
            guard rc == SQLITE_OK else {
                var e = error(rc, sql)
                let offset = api.pointee.error_offset.map { $0(handle) } ?? -1
                if offset >= 0 { e.offset = consumed + Int(offset) }
                throw e
            }
            let start = consumed
            consumed += max(used, 1)
            guard let stmt else { continue }  // only whitespace or a comment
            let statementText = String(decoding: text[start..<consumed].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            try body(PreparedStatement(database: self, sql: statementText, statement: stmt))
        }
    }

    /// True when `sql` ends in a complete statement (sqlite3_complete): the
    /// shell's test for when to stop reading continuation lines.
    public static func isComplete(_ sql: String) -> Bool {
        guard APIBootstrap.installed, let api = sqliteAPI else { return sql.trimmingSuffixIsSemicolon }
        return api.pointee.complete!(sql) != 0
    }

    /// SQLite's interrupt entry and this connection's handle, for a signal
    /// handler (it only sets a flag, so it is safe there).
    public var interruptEntry: (function: @convention(c) (OpaquePointer?) -> Void, handle: OpaquePointer)? {
        SQLite.api.pointee.interruptx.map { ($0, handle) }
    }

    /// Calls `handler` about every `operations` virtual-machine steps of a
    /// running statement; returning false interrupts it. nil removes it.
    public func setProgressHandler(every operations: Int32, _ handler: (() -> Bool)?) {
        let api = SQLite.api
        progressBox = handler.map(ProgressBox.init)
        guard let box = progressBox else {
            api.pointee.progress_handler!(handle, 0, nil, nil)
            return
        }
        api.pointee.progress_handler!(handle, operations, { raw in
            guard let raw else { return 0 }
            return Unmanaged<ProgressBox>.fromOpaque(raw).takeUnretainedValue().handler() ? 0 : 1
        }, Unmanaged.passUnretained(box).toOpaque())
    }
}

/// Holds a progress handler while SQLite keeps a pointer to it.
final class ProgressBox {
    let handler: () -> Bool
    init(_ handler: @escaping () -> Bool) { self.handler = handler }
}

extension String {
    fileprivate var trimmingSuffixIsSemicolon: Bool {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s.hasSuffix(";")
    }
}
