import KdsqlSQL

/// JSON output: `array` writes one array of objects per statement, `lines`
/// one object per line (JSON Lines).
///
/// Integers are numbers when a JSON reader holds them exactly (|n| <= 2^53;
/// most readers, `jq` and JavaScript included, hold numbers as doubles) and
/// decimal strings beyond that; address columns are `"0x..."` strings. Reals
/// are numbers (NaN and infinities, which JSON cannot hold, become null),
/// text is escaped (quotes, backslash, every control character), NULL is
/// null and blobs are hex strings. Repeated column names (a join's two
/// `pid`s) get distinct keys: `pid`, `pid_2`.
public struct JSONFormatter: RowFormatter {
    public enum Style: Sendable { case array, lines }

    public var style: Style
    private var keys: [String] = []
    private var addresses: [Bool] = []
    private var rowsWritten = 0

    public init(style: Style) { self.style = style }

    public mutating func begin(columns: [ResultColumn], into out: OutputWriter) {
        // Keys are escaped once, not per row.
        keys = Self.distinctKeys(columns.map(\.name)).map { Self.quoted($0) + ":" }
        addresses = columns.map(\.isAddress)
        rowsWritten = 0
        if style == .array { out.write(byte: UInt8(ascii: "[")) }
    }

    public mutating func row(_ values: [SQLValue], into out: OutputWriter) {
        if style == .array { out.write(rowsWritten == 0 ? "\n" : ",\n") }
        out.write(byte: UInt8(ascii: "{"))
        for (i, value) in values.enumerated() {
            if i > 0 { out.write(byte: UInt8(ascii: ",")) }
            out.write(keys[i])
            out.write(Self.encode(value, address: addresses[i]))
        }
        out.write(byte: UInt8(ascii: "}"))
        if style == .lines { out.write(byte: UInt8(ascii: "\n")) }
        rowsWritten += 1
    }

    public mutating func end(into out: OutputWriter) {
        if style == .array { out.write(rowsWritten == 0 ? "]\n" : "\n]\n") }
    }

    /// Integers a double holds exactly: up to 2^53 in magnitude.
    static let exactLimit: Int64 = 1 << 53

    static func encode(_ value: SQLValue, address: Bool = false) -> String {
        switch value {
        case .null: return "null"
        case let .integer(v):
            if address { return "\"" + ValueText.address(v) + "\"" }
            return v.magnitude <= exactLimit.magnitude ? String(v) : "\"" + String(v) + "\""
        case let .real(v): return v.isFinite ? String(v) : "null"
        case let .text(s): return quoted(s)
        case let .blob(bytes): return "\"" + ValueText.hex(bytes) + "\""
        }
    }

    /// `names` with repeats renamed `name_2`, `name_3`, ... (skipping any
    /// name already taken), so every key of an object is distinct.
    static func distinctKeys(_ names: [String]) -> [String] {
        var taken = Set(names)
        var seen: Set<String> = []
        var out: [String] = []
        for name in names {
            guard seen.contains(name) else {
                seen.insert(name)
                out.append(name)
                continue
            }
            var n = 2
            while taken.contains("\(name)_\(n)") { n += 1 }
            let key = "\(name)_\(n)"
            taken.insert(key)
            seen.insert(key)
            out.append(key)
        }
        return out
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
