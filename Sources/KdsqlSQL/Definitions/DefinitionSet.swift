@_exported import KdsqlDefinitions

/// All table definitions known to a connection, by name.
public struct DefinitionSet: Sendable {
    public private(set) var tables: [TableDefinition] = []
    private var byName: [String: Int] = [:]

    public init(_ tables: [TableDefinition] = []) {
        for t in tables { add(t) }
    }

    public subscript(name: String) -> TableDefinition? { byName[name].map { tables[$0] } }

    /// Adds or replaces a definition.
    public mutating func add(_ table: TableDefinition) {
        if let i = byName[table.name] {
            tables[i] = table
        } else {
            byName[table.name] = tables.count
            tables.append(table)
        }
    }

    /// Parses `.kdt` text and adds its tables.
    public mutating func add(source: String, file: String) throws(DefinitionError) {
        for t in try DefinitionParser.parse(source, file: file) { add(t) }
    }

    /// The definitions compiled into kdsql (Grammar/tables/*.kdt). kdsql-bindgen
    /// parsed them when kdsql was built (a file that does not parse fails the
    /// build), so nothing is parsed at run time; the error is kept in the
    /// signature for callers that also load files of their own.
    public static func builtin() throws(DefinitionError) -> DefinitionSet { builtinSet }

    /// Names of the embedded `.kdt` files, in load order.
    public static var builtinFileNames: [String] { EmbeddedDefinitions.files.map(\.name) }

    private static let builtinSet = DefinitionSet(ParsedDefinitions.tables)
}
