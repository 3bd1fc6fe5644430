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
    let open: (Scan) throws -> AnyCursor

    @usableFromInline
    init(definition: TableDefinition, context: ConnectionContext,
         bestIndex: @escaping (IndexQuery) -> IndexPlan, open: @escaping (Scan) throws -> AnyCursor) {
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
    /// Compares the implementation's columns with a definition.
    public let mismatch: (TableDefinition?) -> TableMismatch?
    @usableFromInline let connect: (TableDefinition, ConnectionContext) throws -> AnyTableInstance

    @usableFromInline
    init(name: String, mismatch: @escaping (TableDefinition?) -> TableMismatch?,
         connect: @escaping (TableDefinition, ConnectionContext) throws -> AnyTableInstance) {
        self.name = name
        self.mismatch = mismatch
        self.connect = connect
    }

    /// The registration of table type `T`.
    @inlinable
    public static func table<T: VirtualTable>(_ type: T.Type) -> TableRegistration {
        TableRegistration(name: T.name, mismatch: { T.mismatch(with: $0) }, connect: { try connectTable(T.self, $0, $1) })
    }
}

/// xConnect for table type `T`: checks the columns, resolves the getters in
/// definition order (xColumn is then an array index) and makes the table.
@inlinable
func connectTable<T: VirtualTable>(_ type: T.Type, _ definition: TableDefinition, _ context: ConnectionContext) throws -> AnyTableInstance {
    if let mismatch = T.mismatch(with: definition) { throw mismatch }
    let columns = T.columns
    var getters: [Column<T.Row>.Getter] = []
    var argumentNames: [String?] = []
    for c in definition.columns {
        guard let column = columns[c.name] else { throw TableMismatch(table: T.name, missingInImplementation: [c.name], missingInDefinition: []) }
        getters.append(column.getter)
        argumentNames.append(c.isArgument ? c.name : nil)
    }
    let table = try T(context: context)
    let counter = context.rowCounter(T.name)
    return AnyTableInstance(
        definition: definition, context: context,
        bestIndex: { table.bestIndex($0) },
        open: { scan in
            let arguments = argumentNames.map { name in name.flatMap { scan.argument($0) } ?? .null }
            return makeCursor(table, try table.open(scan), getters, arguments, counter)
        })
}

@usableFromInline
final class CursorState<Row> {
    // A cursor is used by one statement on one thread; SQLite never
    // re-enters it, so the per-access dynamic exclusivity check buys nothing
    // on the per-row path.
    @exclusivity(unchecked) @usableFromInline var current: Row?
    @exclusivity(unchecked) @usableFromInline var position: Int64 = 0
    @usableFromInline init() {}
}

@inlinable
func makeCursor<T: VirtualTable>(_ table: T, _ rows: Rows<T.Row>, _ getters: [Column<T.Row>.Getter],
                                 _ arguments: [SQLValue], _ counter: ConnectionContext.RowCounter) -> AnyCursor {
    let state = CursorState<T.Row>()
    return AnyCursor(
        next: {
            state.current = try rows.next()
            guard state.current != nil else { return false }
            state.position += 1
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
            if let row = state.current, let id = table.rowid(row) { return id }
            return state.position
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
