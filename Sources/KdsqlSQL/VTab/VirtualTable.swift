/// A kdsql table: the Swift side of a `.kdt` definition.
///
/// The build generates, from the definition, an extension of the table type
/// (`tasks` → `TasksTable`) holding its `name`, a `Columns` struct with one
/// typed getter per column and a `Filter` with one typed constraint per
/// push-down column. The implementation supplies the rest:
///
/// ```swift
/// struct NumbersTable: VirtualTable {           // table numbers { column value INTEGER ...; column n INTEGER argument ...; }
///     static var columns: Columns { Columns(value: .integer { $0 }) }
///     func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Int64> {
///         Rows(1...(filter.n?.int64 ?? 10))
///     }
///     func rowIdentity(_ row: Int64) -> RowIdentity { RowIdentity(row) }
/// }
/// ```
/// A column the definition has and `Columns(...)` lacks, or gets with the
/// wrong type, does not compile; neither does a definition without its type.
public protocol VirtualTable {
    /// What one row is: often just an address, so columns are read lazily.
    associatedtype Row
    /// Generated: one typed getter per column, in definition order.
    associatedtype Columns
    /// Generated: the scan's decoded constraints.
    associatedtype Filter: ScanFilter

    /// Generated: the definition's table name.
    static var name: String { get }
    /// Generated: how many columns the definition has (`getters` returns one each).
    static var columnCount: Int { get }
    /// The getters (`Columns(pid: .integer { ... }, ...)`).
    static var columns: Columns { get }
    /// Generated: `columns` in SQLite's column order.
    static func getters(_ columns: Columns) -> [ColumnGetter<Row>]

    /// Rows of a full scan, for the planner (default 1000).
    static var estimatedRows: Double { get }

    /// Made once per connection (xConnect); a table keeps no state of its
    /// own (walkers live in the connection's KernelSession).
    init()

    /// xBestIndex. Default: `query.defaultPlan(fullScanRows: Self.estimatedRows)`.
    func bestIndex(_ query: IndexQuery) -> IndexPlan

    /// xFilter: starts a scan. Must be lazy: produce rows as `next()` is
    /// pulled. The filter only narrows the scan: SQLite checks every
    /// constraint again, so `open` may return rows that fail them, never
    /// leave out rows that pass.
    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row>

    /// The row's identity within a statement (see `RowIdentity`).
    func rowIdentity(_ row: Row) -> RowIdentity
}

extension VirtualTable {
    public static var estimatedRows: Double { 1000 }
    public func bestIndex(_ query: IndexQuery) -> IndexPlan { query.defaultPlan(fullScanRows: Self.estimatedRows) }
}
