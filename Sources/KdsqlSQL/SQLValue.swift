/// A value crossing between Swift and SQLite.
public enum SQLValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// Kernel addresses are INTEGER: the UInt64 bit pattern as an Int64
    /// (kd_hex shows it unsigned again).
    public static func address(_ address: UInt64) -> SQLValue { .integer(Int64(bitPattern: address)) }

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value as an integer, converting REAL and numeric TEXT the way a
    /// WHERE clause would; nil for NULL, BLOB and non-numeric text.
    public var int64: Int64? {
        switch self {
        case .integer(let i): return i
        case .real(let d): return d.isFinite && d >= -9.2e18 && d <= 9.2e18 ? Int64(d) : nil
        case .text(let s):
            if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16).map { Int64(bitPattern: $0) } }
            return Int64(s)
        case .null, .blob: return nil
        }
    }

    /// The value as an address (Int64 bit pattern back to UInt64).
    public var uint64: UInt64? { int64.map { UInt64(bitPattern: $0) } }

    public var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        case .text(let s): return Double(s)
        case .null, .blob: return nil
        }
    }

    /// The value as text (numbers formatted as SQLite would); nil for NULL.
    public var string: String? {
        switch self {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .null: return nil
        }
    }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return "'\(s)'"
        case .blob(let b): return "x'" + b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "'"
        }
    }
}
