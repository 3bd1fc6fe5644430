/// How a table reads one column from its row, typed by the column's
/// definition: `tasks.pid` (INTEGER) is an `IntegerColumn`, `tasks.task`
/// (INTEGER unit address) an `AddressColumn`, `tasks.comm` a `TextColumn`.
/// The generated `Columns` of each table has one such property per column, so
/// giving a text getter to an integer column does not compile.
///
/// A getter runs only when SQLite asks for that column of that row (xColumn):
/// expensive reads are paid only for the columns a query uses. A getter that
/// throws (memory that is not in the dump, a corrupt pointer) makes that one
/// value NULL and records a warning; in strict mode the statement fails.
public struct TypedColumn<Row, Kind> {
    public let get: (Row) throws -> SQLValue
    @usableFromInline init(get: @escaping (Row) throws -> SQLValue) { self.get = get }
}

/// Column kinds (phantom types of `TypedColumn`).
public enum IntegerKind {}
public enum AddressKind {}
public enum RealKind {}
public enum TextKind {}
public enum BlobKind {}

public typealias IntegerColumn<Row> = TypedColumn<Row, IntegerKind>
public typealias AddressColumn<Row> = TypedColumn<Row, AddressKind>
public typealias RealColumn<Row> = TypedColumn<Row, RealKind>
public typealias TextColumn<Row> = TypedColumn<Row, TextKind>
public typealias BlobColumn<Row> = TypedColumn<Row, BlobKind>

extension TypedColumn where Kind == IntegerKind {
    @inlinable public static func integer<I: BinaryInteger>(_ get: @escaping (Row) throws -> I?) -> Self {
        Self { row in try get(row).map { .integer(Int64(truncatingIfNeeded: $0)) } ?? .null }
    }
    /// A 64-bit value kept as its bit pattern (a register): values of 2^63
    /// and above read as negative, as they would from C's int64_t.
    @inlinable public static func bitPattern(_ get: @escaping (Row) throws -> UInt64?) -> Self {
        Self { row in try get(row).map { .integer(Int64(bitPattern: $0)) } ?? .null }
    }
    /// 1 or 0.
    @inlinable public static func bool(_ get: @escaping (Row) throws -> Bool?) -> Self {
        Self { row in try get(row).map { .integer($0 ? 1 : 0) } ?? .null }
    }
}

extension TypedColumn where Kind == AddressKind {
    /// A kernel address, stored as its Int64 bit pattern (kd_hex shows it unsigned).
    @inlinable public static func address(_ get: @escaping (Row) throws -> UInt64?) -> Self {
        Self { row in try get(row).map { .integer(Int64(bitPattern: $0)) } ?? .null }
    }
}

extension TypedColumn where Kind == RealKind {
    @inlinable public static func real(_ get: @escaping (Row) throws -> Double?) -> Self {
        Self { row in try get(row).map { .real($0) } ?? .null }
    }
}

extension TypedColumn where Kind == TextKind {
    @inlinable public static func text(_ get: @escaping (Row) throws -> String?) -> Self {
        Self { row in try get(row).map { .text($0) } ?? .null }
    }
}

extension TypedColumn where Kind == BlobKind {
    @inlinable public static func blob(_ get: @escaping (Row) throws -> [UInt8]?) -> Self {
        Self { row in try get(row).map { .blob($0) } ?? .null }
    }
}

/// One column as the cursor sees it, in SQLite's column order.
public enum ColumnGetter<Row> {
    case value((Row) throws -> SQLValue)
    /// A table-valued-function argument: echoes the value the query gave.
    case argument
}
