/// The comparison operators SQLite hands a virtual table in xBestIndex, with
/// their spelling in `.kdt` files and their SQLITE_INDEX_CONSTRAINT_* codes.
public enum ConstraintOperator: String, Sendable, Equatable, CaseIterable {
    case equal = "=", lessThan = "<", lessOrEqual = "<=", greaterThan = ">", greaterOrEqual = ">="
    case notEqual = "!=", like = "LIKE", glob = "GLOB"
    // Not spellable in definitions: LIMIT/OFFSET and the rest reach bestIndex
    // so a table may use them, but no column declares them.
    case limit = "LIMIT", offset = "OFFSET", match = "MATCH", regexp = "REGEXP"
    case isNull = "ISNULL", isNotNull = "ISNOTNULL", `is` = "IS", isNot = "ISNOT", function = "FUNCTION"

    /// Operators a definition may list in `pushdown(...)`.
    public static let declarable: [ConstraintOperator] = [.equal, .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual, .notEqual, .like, .glob]

    /// From SQLite's sqlite3_index_constraint.op.
    public init(sqliteCode: Int32) {
        switch sqliteCode {
        case 2: self = .equal
        case 4: self = .greaterThan
        case 8: self = .lessOrEqual
        case 16: self = .lessThan
        case 32: self = .greaterOrEqual
        case 64: self = .match
        case 65: self = .like
        case 66: self = .glob
        case 67: self = .regexp
        case 68: self = .notEqual
        case 69: self = .isNot
        case 70: self = .isNotNull
        case 71: self = .isNull
        case 72: self = .is
        case 73: self = .limit
        case 74: self = .offset
        default: self = .function
        }
    }

    /// Short code used inside idxStr (see IndexPlan encoding).
    public var code: Character {
        switch self {
        case .equal: "e"; case .lessThan: "l"; case .lessOrEqual: "L"; case .greaterThan: "g"
        case .greaterOrEqual: "G"; case .notEqual: "n"; case .like: "k"; case .glob: "b"
        case .limit: "T"; case .offset: "O"; case .match: "m"; case .regexp: "r"
        case .isNull: "0"; case .isNotNull: "1"; case .is: "i"; case .isNot: "I"; case .function: "f"
        }
    }

    public init?(code: Character) {
        guard let op = ConstraintOperator.allCases.first(where: { $0.code == code }) else { return nil }
        self = op
    }
}
