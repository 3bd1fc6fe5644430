/// JSON output: `array` writes one array of objects per statement, `lines`
/// one object per line (JSON Lines).
///
/// Integers are numbers, reals are numbers (NaN and infinities, which JSON
/// cannot hold, become null), text is escaped (quotes, backslash, every
/// control character), NULL is null and blobs are hex strings.
public struct JSONFormatter: RowFormatter {
    public enum Style: Sendable { case array, lines }

    public var style: Style
    private var keys: [String] = []
    private var rowsWritten = 0

    public init(style: Style) { self.style = style }

    public mutating func begin(columns: [String], into out: OutputWriter) {
        // Keys are escaped once, not per row.
        keys = columns.map { Self.quoted($0) + ":" }
        rowsWritten = 0
        if style == .array { out.write(byte: UInt8(ascii: "[")) }
    }

    public mutating func row(_ values: [CellValue], into out: OutputWriter) {
        if style == .array { out.write(rowsWritten == 0 ? "\n" : ",\n") }
        out.write(byte: UInt8(ascii: "{"))
        for (i, value) in values.enumerated() {
            if i > 0 { out.write(byte: UInt8(ascii: ",")) }
            out.write(keys[i])
            out.write(Self.encode(value))
        }
        out.write(byte: UInt8(ascii: "}"))
        if style == .lines { out.write(byte: UInt8(ascii: "\n")) }
        rowsWritten += 1
    }

    public mutating func end(into out: OutputWriter) {
        if style == .array { out.write(rowsWritten == 0 ? "]\n" : "\n]\n") }
    }

    static func encode(_ value: CellValue) -> String {
        switch value {
        case .null: return "null"
        case let .integer(v): return String(v)
        case let .real(v): return v.isFinite ? String(v) : "null"
        case let .text(s): return quoted(s)
        case let .blob(bytes): return "\"" + CellValue.hex(bytes) + "\""
        }
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            // U+2028/2029 are valid JSON but break JavaScript string literals.
            case "\u{2028}", "\u{2029}":
                result += "\\u" + String(scalar.value, radix: 16)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result += "\""
        return result
    }
}
