/// The pushed-down constraints of one scan, decoded once. Each table's
/// generated `Filter` conforms: one typed constraint per push-down column.
///
/// Constraints only narrow which rows a table visits. The plan leaves them
/// for SQLite to check again on every row (`omit` is off for data columns),
/// so what a scan returns is exactly what SQLite would return over a copy of
/// the table; a constraint whose value cannot be decoded with certainty
/// (text that may or may not be a number, a REAL against TEXT) restricts
/// nothing.
public protocol ScanFilter {
    init(_ scan: Scan)
}

/// Constraints on an INTEGER column. SQLite compares an INTEGER column with
/// the other operand after giving that operand numeric affinity
/// (sqlite.org/datatype3.html §4.2–4.3): '12' is 12, 1.5 is a real that no
/// integer equals, '0x1' stays text, and any text or blob sorts after every
/// number; NULL makes the comparison false.
public struct IntegerConstraint: Equatable {
    /// Inclusive bounds implied by the constraints.
    public private(set) var lower: Int64 = .min
    public private(set) var upper: Int64 = .max
    /// No row can satisfy the constraints.
    public private(set) var isEmpty = false
    public init() {}

    /// The one value `=` (or a collapsed range) asks for.
    public var equal: Int64? { !isEmpty && lower == upper ? lower : nil }
    /// Nothing narrows the scan.
    public var isUnrestricted: Bool { !isEmpty && lower == .min && upper == .max }
    /// The same for addresses (their Int64 bit patterns).
    public var equalAddress: UInt64? { equal.map { UInt64(bitPattern: $0) } }

    public func contains(_ v: Int64) -> Bool { !isEmpty && v >= lower && v <= upper }
    public func contains(address: UInt64) -> Bool { contains(Int64(bitPattern: address)) }

    public mutating func add(_ op: ConstraintOperator, _ value: SQLValue) {
        switch NumericAffinity.apply(value) {
        case .null:
            if op.isComparison { isEmpty = true }
        case .integer(let v):
            add(op, integer: v)
        case .real(let d):
            add(op, real: d)
        case .text, .blob:
            // Text and blobs sort after every number.
            if op == .equal || op == .greaterThan || op == .greaterOrEqual { isEmpty = true }
        }
    }

    private mutating func add(_ op: ConstraintOperator, integer v: Int64) {
        switch op {
        case .equal: raise(v); drop(v)
        case .greaterOrEqual: raise(v)
        case .greaterThan: if v == .max { isEmpty = true } else { raise(v + 1) }
        case .lessOrEqual: drop(v)
        case .lessThan: if v == .min { isEmpty = true } else { drop(v - 1) }
        default: break
        }
    }

    private mutating func add(_ op: ConstraintOperator, real d: Double) {
        guard !d.isNaN else { isEmpty = true; return }
        // Integers exist only in [-2^63, 2^63); a double outside compares beyond them all.
        let two63 = 9_223_372_036_854_775_808.0
        if d >= two63 {
            if op == .equal || op == .greaterThan || op == .greaterOrEqual { isEmpty = true }
            return
        }
        if d < -two63 {
            if op == .equal || op == .lessThan || op == .lessOrEqual { isEmpty = true }
            return
        }
        let down = Int64(d.rounded(.down)), up = Int64(d.rounded(.up))
        let integral = down == up
        switch op {
        case .equal: if integral { raise(down); drop(down) } else { isEmpty = true }
        case .lessOrEqual: drop(down)
        case .lessThan: if integral { add(.lessThan, integer: down) } else { drop(down) }
        case .greaterOrEqual: raise(up)
        case .greaterThan: if integral { add(.greaterThan, integer: up) } else { raise(up) }
        default: break
        }
    }

    private mutating func raise(_ v: Int64) { lower = max(lower, v); if lower > upper { isEmpty = true } }
    private mutating func drop(_ v: Int64) { upper = min(upper, v); if lower > upper { isEmpty = true } }
}

/// Constraints on a REAL column: only NULL (which no row satisfies) is used;
/// the rest is left to SQLite.
public struct RealConstraint: Equatable {
    public private(set) var isEmpty = false
    public init() {}
    public mutating func add(_ op: ConstraintOperator, _ value: SQLValue) {
        if value.isNull && op.isComparison { isEmpty = true }
    }
}

/// Constraints on a TEXT column. SQLite gives the other operand TEXT
/// affinity (an integer 5 compares as '5') and compares with the BINARY
/// collation; a blob sorts after every text.
public struct TextConstraint: Equatable {
    /// The one value `=` asks for.
    public private(set) var equal: String?
    public private(set) var isEmpty = false
    public init() {}

    public var isUnrestricted: Bool { !isEmpty && equal == nil }
    public func contains(_ s: String) -> Bool { !isEmpty && (equal == nil || Array(s.utf8) == Array(equal!.utf8)) }

    public mutating func add(_ op: ConstraintOperator, _ value: SQLValue) {
        guard op == .equal else {
            if value.isNull && op.isComparison { isEmpty = true }
            return
        }
        let text: String
        switch value {
        case .null, .blob: isEmpty = true; return
        case .text(let s): text = s
        case .integer(let i): text = String(i)
        case .real: return  // SQLite's text form of a REAL is left to SQLite
        }
        if let e = equal, Array(e.utf8) != Array(text.utf8) { isEmpty = true }
        equal = text
    }
}

/// Constraints on a BLOB column: left to SQLite.
public struct BlobConstraint: Equatable {
    public private(set) var isEmpty = false
    public init() {}
    public mutating func add(_ op: ConstraintOperator, _ value: SQLValue) {
        if value.isNull && op.isComparison { isEmpty = true }
    }
}

extension ConstraintOperator {
    /// =, <, <=, >, >=, != : false whenever an operand is NULL.
    var isComparison: Bool {
        switch self {
        case .equal, .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual, .notEqual: true
        default: false
        }
    }
}

/// SQLite's numeric affinity applied to a comparison operand: text that is
/// a well-formed decimal integer or real literal (surrounding spaces
/// allowed; no hex) becomes that number. Text this parser is not sure of
/// stays text, and callers then restrict nothing.
enum NumericAffinity {
    static func apply(_ value: SQLValue) -> SQLValue {
        guard case .text(let s) = value else { return value }
        return number(s).map { $0 } ?? .text(s)
    }

    static func number(_ s: String) -> SQLValue? {
        var bytes = Array(s.utf8)[...]
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0d) }
        while let f = bytes.first, isSpace(f) { bytes = bytes.dropFirst() }
        while let l = bytes.last, isSpace(l) { bytes = bytes.dropLast() }
        guard !bytes.isEmpty else { return nil }
        var i = bytes.startIndex
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0, fraction = false, exponent = false
        while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1; digits += 1 }
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") {
            fraction = true
            i += 1
            while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            exponent = true
            i += 1
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            var expDigits = 0
            while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1; expDigits += 1 }
            guard expDigits > 0 else { return nil }
        }
        guard i == bytes.endIndex else { return nil }
        let literal = String(decoding: bytes, as: UTF8.self)
        if !fraction && !exponent {
            // Too large for INTEGER: SQLite reads it as a REAL.
            if let v = Int64(literal) { return .integer(v) }
        }
        return Double(literal).map { .real($0) }
    }
}
