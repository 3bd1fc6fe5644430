/// Type erasure between the generic `VirtualTable` world and the C callbacks,
/// which must be the same non-generic functions for every table.
class AnyTableInstance {
    let definition: TableDefinition
    let context: ConnectionContext
    init(definition: TableDefinition, context: ConnectionContext) {
        self.definition = definition
        self.context = context
    }
    func bestIndex(_ query: IndexQuery) -> IndexPlan { fatalError("abstract") }
    func open(_ scan: Scan) throws -> AnyCursor { fatalError("abstract") }
}

class AnyCursor {
    /// Advances; false at the end.
    func next() throws -> Bool { fatalError("abstract") }
    func column(_ index: Int) throws -> SQLValue { fatalError("abstract") }
    var rowid: Int64 { fatalError("abstract") }
}

final class TableInstance<T: VirtualTable>: AnyTableInstance {
    let table: T
    /// Getters in definition column order (resolved once, so xColumn is an array index).
    let getters: [Column<T.Row>.Getter]

    init(connecting definition: TableDefinition, context: ConnectionContext) throws {
        if let mismatch = T.mismatch(with: definition) { throw mismatch }
        let columns = T.columns
        getters = definition.columns.map { columns[$0.name]!.getter }
        table = try T(context: context)
        super.init(definition: definition, context: context)
    }

    override func bestIndex(_ query: IndexQuery) -> IndexPlan { table.bestIndex(query) }

    override func open(_ scan: Scan) throws -> AnyCursor {
        var arguments = [SQLValue](repeating: .null, count: definition.columns.count)
        for (i, c) in definition.columns.enumerated() where c.isArgument {
            arguments[i] = scan.argument(c.name) ?? .null
        }
        return Cursor(instance: self, rows: try table.open(scan), arguments: arguments)
    }

    final class Cursor: AnyCursor {
        let instance: TableInstance<T>
        let rows: Rows<T.Row>
        let arguments: [SQLValue]
        var current: T.Row?
        var position: Int64 = 0

        init(instance: TableInstance<T>, rows: Rows<T.Row>, arguments: [SQLValue]) {
            self.instance = instance
            self.rows = rows
            self.arguments = arguments
        }

        override func next() throws -> Bool {
            current = try rows.next()
            guard current != nil else { return false }
            position += 1
            instance.context.countRow(T.name)
            return true
        }

        override func column(_ index: Int) throws -> SQLValue {
            guard let row = current, index >= 0, index < instance.getters.count else { return .null }
            switch instance.getters[index] {
            case .value(let get): return try get(row)
            case .argument: return arguments[index]
            }
        }

        override var rowid: Int64 {
            if let row = current, let id = instance.table.rowid(row) { return id }
            return position
        }
    }
}

/// One table type, registered with a connection: its definition and how to
/// make it. Held by SQLite as the module's pAux.
final class ModuleEntry {
    let definition: TableDefinition
    let context: ConnectionContext
    let make: (TableDefinition, ConnectionContext) throws -> AnyTableInstance

    init<T: VirtualTable>(_ type: T.Type, definition: TableDefinition, context: ConnectionContext) {
        self.definition = definition
        self.context = context
        self.make = { try TableInstance<T>(connecting: $0, context: $1) }
    }
}
