import CSQLite

/// One result cell, read from a stepped statement.
public enum CellValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    /// Already decoded: invalid UTF-8 became U+FFFD on the way in.
    case text(String)
    case blob([UInt8])

    /// Reads column `index` of the current row of `statement`.
    public init(statement: OpaquePointer, column index: Int32) {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            self = .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            self = .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard let pointer = sqlite3_column_text(statement, index) else { self = .text(""); return }
            // String(decoding:) repairs invalid UTF-8 with U+FFFD, which every
            // format then writes safely.
            self = .text(String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let pointer = sqlite3_column_blob(statement, index) else { self = .blob([]); return }
            self = .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default:
            self = .null
        }
    }

    public var isNumber: Bool {
        switch self {
        case .integer, .real: return true
        default: return false
        }
    }

    /// The plain text of the value; NULL gives `null`, blobs give lowercase hex.
    public func text(null: String) -> String {
        switch self {
        case .null: return null
        case let .integer(v): return String(v)
        case let .real(v): return Self.format(v)
        case let .text(s): return s
        case let .blob(bytes): return Self.hex(bytes)
        }
    }

    /// Shortest text that reads back as the same double (Swift's own rule).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "Inf" }
        return String(value)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
