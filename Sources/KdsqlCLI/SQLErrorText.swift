import KdsqlSQL

/// How an SQL error reads: one line for one-shot runs, sqlite3's caret
/// picture in the shell.
extension SQLError {
    /// Line and column (both from 1, column in characters) of `offset` in `sql`.
    public var position: (line: Int, column: Int)? {
        guard let offset, let sql else { return nil }
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
        guard let offset, let sql, let position else { return text }
        let bytes = Array(sql.utf8)
        var start = offset
        while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        var end = offset
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let line = String(String(decoding: bytes[start..<end], as: UTF8.self).map { $0 == "\t" ? " " : $0 })
        text += "\n  \(line)\n  \(String(repeating: " ", count: position.column - 1))^--- error here"
        return text
    }
}
