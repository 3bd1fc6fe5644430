/// How a table computes one column from its row. Only called when SQLite asks
/// for that column of that row (xColumn), so expensive reads are paid only
/// for the columns a query uses.
///
/// A getter that throws (memory that is not in the dump, a corrupt pointer)
/// makes that one value NULL and records a warning on the connection; in
/// strict mode the statement fails instead.
public struct Column<Row> {
    @usableFromInline
    enum Getter {
        case value((Row) throws -> SQLValue)
        /// The value the query gave for a table-valued-function argument.
        case argument
    }
    @usableFromInline let getter: Getter
    @usableFromInline init(getter: Getter) { self.getter = getter }

    @inlinable public static func value(_ get: @escaping (Row) throws -> SQLValue) -> Column { Column(getter: .value(get)) }

    @inlinable public static func integer<I: BinaryInteger>(_ get: @escaping (Row) throws -> I?) -> Column {
        Column(getter: .value { row in try get(row).map { .integer(Int64(truncatingIfNeeded: $0)) } ?? .null })
    }

    /// A kernel address (stored as its Int64 bit pattern).
    @inlinable public static func address(_ get: @escaping (Row) throws -> UInt64?) -> Column {
        Column(getter: .value { row in try get(row).map { .integer(Int64(bitPattern: $0)) } ?? .null })
    }

    /// 1 or 0.
    @inlinable public static func bool(_ get: @escaping (Row) throws -> Bool?) -> Column {
        Column(getter: .value { row in try get(row).map { .integer($0 ? 1 : 0) } ?? .null })
    }

    @inlinable public static func real(_ get: @escaping (Row) throws -> Double?) -> Column {
        Column(getter: .value { row in try get(row).map { .real($0) } ?? .null })
    }

    @inlinable public static func text(_ get: @escaping (Row) throws -> String?) -> Column {
        Column(getter: .value { row in try get(row).map { .text($0) } ?? .null })
    }

    @inlinable public static func blob(_ get: @escaping (Row) throws -> [UInt8]?) -> Column {
        Column(getter: .value { row in try get(row).map { .blob($0) } ?? .null })
    }

    /// For `argument` columns: echoes the value given as `table(arg)`.
    @inlinable public static var argument: Column { Column(getter: .argument) }
}

/// A lazy stream of rows: `next()` is called once per xNext, so a walker
/// behind it does only the work the query pulls (LIMIT stops the walk).
public struct Rows<Row> {
    @usableFromInline let next: () throws -> Row?

    /// Rows from a pull function; return nil at the end.
    @inlinable public init(next: @escaping () throws -> Row?) { self.next = next }

    /// Rows from any (preferably lazy) sequence.
    @inlinable public init<S: Sequence>(_ sequence: S) where S.Element == Row {
        var iterator = sequence.makeIterator()
        self.next = { iterator.next() }
    }

    /// Rows produced a group at a time (each task's VMAs, each task's open
    /// files): `expand` runs only when the previous group is used up, so a
    /// LIMIT still stops the walk after the group it needed.
    public init<Item>(flattening nextItem: @escaping () throws -> Item?, _ expand: @escaping (Item) throws -> [Row]) {
        var pending: [Row] = []
        var index = 0
        self.next = {
            while index >= pending.count {
                guard let item = try nextItem() else { return nil }
                pending = try expand(item)
                index = 0
            }
            index += 1
            return pending[index - 1]
        }
    }

    /// At most one row per item (each process's mm, its root and cwd):
    /// items that give nil (kernel threads, exited tasks) are skipped.
    public init<Item>(compactMapping nextItem: @escaping () throws -> Item?, _ transform: @escaping (Item) throws -> Row?) {
        self.next = {
            while let item = try nextItem() {
                if let row = try transform(item) { return row }
            }
            return nil
        }
    }

    public static var empty: Rows { Rows(next: { nil }) }
}
