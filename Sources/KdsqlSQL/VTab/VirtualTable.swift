/// A kdsql table: a Swift type tied by `name` to its `.kdt` definition.
///
/// ```swift
/// struct NumbersTable: VirtualTable {
///     static let name = "numbers"
///     static var columns: [String: Column<Int64>] { ["value": .integer { $0 }, "n": .argument] }
///     init(context: ConnectionContext) {}
///     func open(_ scan: Scan) throws -> Rows<Int64> { Rows(1...(scan.argument("n")?.int64 ?? 10)) }
/// }
/// ```
/// Push-down is declared in the definition (`pushdown(=)`); the default
/// `bestIndex` consumes exactly those constraints, and `open` reads their
/// values from the `Scan` (`scan.equal("pid")`, `scan.integerRange("address")`).
/// Consumed constraints are not re-checked by SQLite, so `open` must apply
/// them exactly. Override `bestIndex` for better estimates. Register the
/// table with one line in Registration.swift: `.table(NumbersTable.self)`.
public protocol VirtualTable {
    /// What one row is: often just an address, so columns are read lazily.
    associatedtype Row

    /// The definition's table name (Grammar/tables/*.kdt).
    static var name: String { get }

    /// One getter per column of the definition, keyed by column name. A test
    /// checks the keys against the definition in both directions.
    static var columns: [String: Column<Row>] { get }

    /// Rows of a full scan, for the planner (default 1000).
    static var estimatedRows: Double { get }

    /// Made once per connection (xConnect).
    init(context: ConnectionContext) throws

    /// xBestIndex. Default: `query.defaultPlan(fullScanRows: Self.estimatedRows)`.
    func bestIndex(_ query: IndexQuery) -> IndexPlan

    /// xFilter: starts a scan. Must be lazy: produce rows as `next()` is pulled.
    func open(_ scan: Scan) throws -> Rows<Row>

    /// The rowid of a row; default nil = the row's position in this scan.
    func rowid(_ row: Row) -> Int64?
}

extension VirtualTable {
    public static var estimatedRows: Double { 1000 }
    public func bestIndex(_ query: IndexQuery) -> IndexPlan { query.defaultPlan(fullScanRows: Self.estimatedRows) }
    public func rowid(_ row: Row) -> Int64? { nil }
}

/// A table whose implementation and definition disagree.
public struct TableMismatch: Error, Equatable, CustomStringConvertible {
    public var table: String
    public var missingInImplementation: [String]
    public var missingInDefinition: [String]
    public init(table: String, missingInImplementation: [String], missingInDefinition: [String]) {
        self.table = table
        self.missingInImplementation = missingInImplementation
        self.missingInDefinition = missingInDefinition
    }
    public var description: String {
        var parts: [String] = []
        if !missingInImplementation.isEmpty { parts.append("definition columns without an implementation: \(missingInImplementation.joined(separator: ", "))") }
        if !missingInDefinition.isEmpty { parts.append("implemented columns missing from the definition: \(missingInDefinition.joined(separator: ", "))") }
        return "table '\(table)': " + parts.joined(separator: "; ")
    }
}

extension VirtualTable {
    /// Compares `columns` with the definition; nil when they agree.
    public static func mismatch(with definition: TableDefinition?) -> TableMismatch? {
        let implemented = Set(columns.keys)
        let defined = definition.map { Set($0.columns.map(\.name)) } ?? []
        let missingImpl = (definition?.columns.map(\.name) ?? []).filter { !implemented.contains($0) }
        let missingDef = implemented.subtracting(defined).sorted()
        if definition == nil || !missingImpl.isEmpty || !missingDef.isEmpty {
            return TableMismatch(table: name, missingInImplementation: definition == nil ? ["(no definition named '\(name)')"] : missingImpl,
                                 missingInDefinition: missingDef)
        }
        return nil
    }
}
