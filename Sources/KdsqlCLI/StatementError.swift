/// SQLite's complaint about one statement, with where in the text it points.
public struct StatementError: Error, Equatable, Sendable {
    /// sqlite3_errmsg, e.g. `near "FROM": syntax error`.
    public var message: String
    /// The whole text that was being run.
    public var sql: String
    /// Byte offset into `sql` that sqlite3_error_offset pointed at, if any.
    public var offset: Int?

    public init(message: String, sql: String, offset: Int? = nil) {
        self.message = message
        self.sql = sql
        self.offset = offset
    }

    /// Line and column (both from 1, column in characters) of `offset`.
    public var position: (line: Int, column: Int)? {
        guard let offset else { return nil }
        let bytes = Array(sql.utf8)
        guard offset >= 0, offset <= bytes.count else { return nil }
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1
        return (line, column)
    }

    /// For one-shot runs: one line on stderr.
    public var oneLineDescription: String {
        guard let position else { return message }
        return "\(message) (line \(position.line), column \(position.column))"
    }

    /// For the shell: sqlite3's style, with the offending line and a caret under the spot.
    public var shellDescription: String {
        var text = "Error: \(message)"
        guard let offset, let position else { return text }
        let bytes = Array(sql.utf8)
        var start = offset
        while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        var end = offset
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let line = String(decoding: bytes[start..<end], as: UTF8.self).replacingTabs()
        text += "\n  \(line)\n  \(String(repeating: " ", count: position.column - 1))^--- error here"
        return text
    }
}

extension String {
    /// Tabs would misplace the caret; one space keeps columns honest.
    fileprivate func replacingTabs() -> String {
        String(self.map { $0 == "\t" ? " " : $0 })
    }
}
