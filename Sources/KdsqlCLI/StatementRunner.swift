import CSQLite

/// Runs SQL text — every statement in it, in order — and streams each result
/// through a formatter.
public struct StatementRunner {
    public let db: OpaquePointer

    public init(db: OpaquePointer) { self.db = db }

    /// Prepares statements one at a time from the tail pointer, so a
    /// multi-statement string runs in order and stops at the first error.
    /// Statements with no result columns (CREATE, INSERT, ...) write nothing.
    public func run(_ sql: String, format: OutputFormat, headers: Bool, into out: OutputWriter,
                    afterEach: () -> Void = {}) throws(StatementError) {
        let text = Array(sql.utf8CString)
        let total = text.count - 1 // without the terminating NUL
        var consumed = 0
        while consumed < total {
            var statement: OpaquePointer?
            var used = 0
            let rc = text.withUnsafeBufferPointer { buffer -> Int32 in
                let start = buffer.baseAddress! + consumed
                var tail: UnsafePointer<CChar>?
                // The length counts the NUL: given a length without one,
                // SQLite copies the whole remaining text on every prepare,
                // which made a long query file quadratic (sqlite3Prepare).
                let rc = sqlite3_prepare_v2(db, start, Int32(total - consumed + 1), &statement, &tail)
                used = tail.map { $0 - start } ?? (total - consumed)
                return rc
            }
            guard rc == SQLITE_OK else {
                let offset = sqlite3_error_offset(db)
                throw StatementError(message: errorMessage(), sql: sql,
                                     offset: offset >= 0 ? consumed + Int(offset) : nil)
            }
            consumed += max(used, 1)
            // Only whitespace or a comment: nothing to run.
            guard let statement else { continue }
            defer { sqlite3_finalize(statement) }
            try execute(statement, sql: sql, format: format, headers: headers, into: out)
            afterEach()
        }
    }

    private func execute(_ statement: OpaquePointer, sql: String, format: OutputFormat, headers: Bool,
                         into out: OutputWriter) throws(StatementError) {
        let count = sqlite3_column_count(statement)
        guard count > 0 else {
            var rc: Int32
            repeat { rc = sqlite3_step(statement) } while rc == SQLITE_ROW
            guard rc == SQLITE_DONE else { throw StatementError(message: errorMessage(), sql: sql) }
            return
        }
        let names = (0..<count).map { i in sqlite3_column_name(statement, i).map { String(cString: $0) } ?? "" }
        var formatter = format.makeFormatter(headers: headers)
        var flushing = FlushPolicy()
        formatter.begin(columns: names, into: out)
        var values: [CellValue] = []
        values.reserveCapacity(Int(count))
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                // Rows already written stay; the formatter closes what it opened.
                formatter.end(into: out)
                out.flush()
                throw StatementError(message: errorMessage(), sql: sql)
            }
            values.removeAll(keepingCapacity: true)
            for i in 0..<count { values.append(CellValue(statement: statement, column: i)) }
            formatter.row(values, into: out)
            flushing.rowWritten(to: out)
        }
        formatter.end(into: out)
        out.flush()
    }

    private func errorMessage() -> String {
        sqlite3_errmsg(db).map { String(cString: $0) } ?? "unknown SQLite error"
    }
}
