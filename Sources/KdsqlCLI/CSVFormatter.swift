import KdsqlSQL

/// RFC 4180 CSV with a header row.
///
/// Deviation, on purpose: lines end in LF, not CRLF, because the readers are
/// Unix tools (`cut`, `awk`, Python's csv). A field is quoted when it holds a
/// comma, a quote, CR or LF, with quotes doubled. NULL is an empty field; an
/// empty string is written `""` so the two can still be told apart.
/// Blobs are written as lowercase hex. Integers stay decimal, addresses
/// included, so spreadsheets and awk can compute with them; `--hex` writes
/// address columns as `0x...` instead.
public struct CSVFormatter: RowFormatter {
    public var headers: Bool
    public var hexAddresses: Bool
    private var addresses: [Bool] = []

    public init(headers: Bool = true, hexAddresses: Bool = false) {
        self.headers = headers
        self.hexAddresses = hexAddresses
    }

    public mutating func begin(columns: [ResultColumn], into out: OutputWriter) {
        addresses = columns.map { $0.isAddress && hexAddresses }
        guard headers else { return }
        writeRecord(columns.map { Optional($0.name) }, into: out)
    }

    public mutating func row(_ values: [SQLValue], into out: OutputWriter) {
        var fields: [String?] = []
        fields.reserveCapacity(values.count)
        for (i, value) in values.enumerated() {
            fields.append(value.isNull ? nil : ValueText.display(value, address: addresses[i], null: ""))
        }
        writeRecord(fields, into: out)
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
