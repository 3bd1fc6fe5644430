/// RFC 4180 CSV with a header row.
///
/// Deviation, on purpose: lines end in LF, not CRLF, because the readers are
/// Unix tools (`cut`, `awk`, Python's csv). A field is quoted when it holds a
/// comma, a quote, CR or LF, with quotes doubled. NULL is an empty field; an
/// empty string is written `""` so the two can still be told apart.
/// Blobs are written as lowercase hex.
public struct CSVFormatter: RowFormatter {
    public var headers: Bool

    public init(headers: Bool = true) { self.headers = headers }

    public mutating func begin(columns: [String], into out: OutputWriter) {
        guard headers else { return }
        writeRecord(columns.map { Optional($0) }, into: out)
    }

    public mutating func row(_ values: [CellValue], into out: OutputWriter) {
        writeRecord(values.map { $0 == .null ? nil : $0.text(null: "") }, into: out)
    }

    public mutating func end(into out: OutputWriter) {}

    private func writeRecord(_ fields: [String?], into out: OutputWriter) {
        for (i, field) in fields.enumerated() {
            if i > 0 { out.write(byte: UInt8(ascii: ",")) }
            guard let field else { continue }
            out.write(Self.quoted(field))
        }
        out.write(byte: UInt8(ascii: "\n"))
    }

    static func quoted(_ field: String) -> String {
        if field.isEmpty { return "\"\"" }
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return field }
        var result = "\""
        for ch in field.unicodeScalars {
            if ch == "\"" { result += "\"\"" } else { result.unicodeScalars.append(ch) }
        }
        result += "\""
        return result
    }
}
