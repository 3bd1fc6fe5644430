/// Type erasure between the generic `VirtualTable` world and the C callbacks,
/// which must be the same non-generic functions for every table.
///
/// The erased forms hold closures made inside generic functions that are
/// called with a concrete table type (and are @inlinable, so a table in
/// another module gets them specialized too). The per-row path therefore
/// runs specialized code; a generic class overriding a base class would
/// run unspecialized code with a metadata lookup per call.
@usableFromInline
final class AnyTableInstance {
    let definition: TableDefinition
    let context: ConnectionContext
    let bestIndex: (IndexQuery) -> IndexPlan
    /// Starts a scan; rowids come from the table's numbering for the
    /// current statement (see ModuleBridge.VTabBox).
    let open: (Scan, RowNumbering) throws -> AnyCursor

    @usableFromInline
    init(definition: TableDefinition, context: ConnectionContext,
         bestIndex: @escaping (IndexQuery) -> IndexPlan, open: @escaping (Scan, RowNumbering) throws -> AnyCursor) {
        self.definition = definition
        self.context = context
        self.bestIndex = bestIndex
        self.open = open
    }
}

@usableFromInline
final class AnyCursor {
    /// Advances; false at the end.
    let next: () throws -> Bool
    let column: (Int) throws -> SQLValue
    let rowid: () -> Int64

    @usableFromInline
    init(next: @escaping () throws -> Bool, column: @escaping (Int) throws -> SQLValue, rowid: @escaping () -> Int64) {
        self.next = next
        self.column = column
        self.rowid = rowid
    }
}

/// One table type, ready to register on connections.
public struct TableRegistration {
    public let name: String
    /// How many columns the table's binding has.
    public let columnCount: Int
    @usableFromInline let connect: (TableDefinition, ConnectionContext) throws -> AnyTableInstance

    @usableFromInline
    init(name: String, columnCount: Int, connect: @escaping (TableDefinition, ConnectionContext) throws -> AnyTableInstance) {
        self.name = name
        self.columnCount = columnCount
        self.connect = connect
    }

    /// The registration of table type `T`.
    @inlinable
    public static func table<T: VirtualTable>(_ type: T.Type) -> TableRegistration {
        // The generated count, not getters(columns).count: building every
        // table's getters at each start was 3% of the seed question.
        TableRegistration(name: T.name, columnCount: T.columnCount, connect: { try connectTable(T.self, $0, $1) })
    }

    /// Nil when the binding fits `definition`.
    public func mismatch(_ definition: TableDefinition) -> TableMismatch? {
        columnCount == definition.columns.count ? nil
            : TableMismatch(table: name, detail: "the binding has \(columnCount) columns, the definition \(definition.columns.count)")
    }
}

/// The definition a table was registered with does not match the one its
/// binding was generated from (a stale build, or a test definition).
public struct TableMismatch: Error, CustomStringConvertible {
    public var table: String
    public var detail: String
    public init(table: String, detail: String) {
        self.table = table
        self.detail = detail
    }
    public var description: String { "table '\(table)': \(detail)" }
}

/// xConnect for table type `T`: takes the getters in definition order
/// (xColumn is then an array index) and makes the table.
@inlinable
func connectTable<T: VirtualTable>(_ type: T.Type, _ definition: TableDefinition, _ context: ConnectionContext) throws -> AnyTableInstance {
    let getters = T.getters(T.columns)
    guard getters.count == definition.columns.count else {
        throw TableMismatch(table: T.name, detail: "the binding has \(getters.count) columns, the definition \(definition.columns.count)")
    }
    let argumentNames: [String?] = definition.columns.map { $0.isArgument ? $0.name : nil }
    let table = T()
    let counter = context.rowCounter(T.name)
    return AnyTableInstance(
        definition: definition, context: context,
        bestIndex: { table.bestIndex($0) },
        open: { scan, numbering in
            let arguments = argumentNames.map { name in name.flatMap { scan.argument($0) } ?? .null }
            let filter = T.Filter(scan)
            return makeCursor(table, try table.open(filter, in: context), getters, arguments, counter, numbering)
        })
}

@usableFromInline
final class CursorState<Row> {
    // A cursor is used by one statement on one thread; SQLite never
    // re-enters it, so the per-access dynamic exclusivity check buys nothing
    // on the per-row path.
    @exclusivity(unchecked) @usableFromInline var current: Row?
    @usableFromInline init() {}
}

@inlinable
func makeCursor<T: VirtualTable>(_ table: T, _ rows: Rows<T.Row>, _ getters: [ColumnGetter<T.Row>],
                                 _ arguments: [SQLValue], _ counter: ConnectionContext.RowCounter,
                                 _ numbering: RowNumbering) -> AnyCursor {
    let state = CursorState<T.Row>()
    return AnyCursor(
        next: {
            state.current = try rows.next()
            guard state.current != nil else { return false }
            counter.value &+= 1
            return true
        },
        column: { index in
            guard let row = state.current, index >= 0, index < getters.count else { return .null }
            switch getters[index] {
            case .value(let get): return try get(row)
            case .argument: return arguments[index]
            }
        },
        rowid: {
            guard let row = state.current else { return 0 }
            return numbering.rowid(table.rowIdentity(row))
        })
}

/// One table type registered with a connection: its definition and how to
/// connect it. Held by SQLite as the module's pAux.
final class ModuleEntry {
    let definition: TableDefinition
    let context: ConnectionContext
    let connect: (TableDefinition, ConnectionContext) throws -> AnyTableInstance

    init(_ registration: TableRegistration, definition: TableDefinition, context: ConnectionContext) {
        self.definition = definition
        self.context = context
        self.connect = registration.connect
    }
}
