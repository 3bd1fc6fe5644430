import KdsqlSQL

/// One result column as the formatters see it: its name, and whether its
/// values are kernel addresses (the column reads a table column whose
/// definition says `unit address`), which people read in hex.
public struct ResultColumn: Equatable, Sendable {
    public var name: String
    public var isAddress: Bool

    public init(name: String, isAddress: Bool = false) {
        self.name = name
        self.isAddress = isAddress
    }
}

/// How values read as text in every format.
enum ValueText {
    /// The plain text of a value; NULL gives `null`, blobs give lowercase hex.
    static func plain(_ value: SQLValue, null: String) -> String {
        switch value {
        case .null: return null
        case let .integer(v): return String(v)
        case let .real(v): return real(v)
        case let .text(s): return s
        case let .blob(bytes): return hex(bytes)
        }
    }

    /// As `plain`, but an integer in an address column is `0x` + its 64-bit pattern in hex.
    static func display(_ value: SQLValue, address: Bool, null: String) -> String {
        if address, case let .integer(v) = value { return self.address(v) }
        return plain(value, null: null)
    }

    /// `0xffff888003a1c000`: the Int64 SQLite holds, read back as the unsigned address.
    static func address(_ v: Int64) -> String { "0x" + String(UInt64(bitPattern: v), radix: 16) }

    static func isNumber(_ value: SQLValue) -> Bool {
        switch value {
        case .integer, .real: return true
        default: return false
        }
    }

    /// Shortest text that reads back as the same double (Swift's own rule).
    static func real(_ value: Double) -> String {
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
