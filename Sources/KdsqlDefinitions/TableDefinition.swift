/// A table as its `.kdt` definition describes it (see Grammar/kdsql-tables.ebnf).
public struct TableDefinition: Sendable, Equatable {
    public var name: String
    /// One line, shown by `.schema` and in the table reference.
    public var description: String
    public var columns: [ColumnDefinition]
    public var examples: [ExampleQuery]
    /// Where the definition was read from, for messages.
    public var location: SourceLocation

    public init(name: String, description: String, columns: [ColumnDefinition],
                examples: [ExampleQuery] = [], location: SourceLocation = SourceLocation(file: "<builtin>", line: 1, column: 1)) {
        self.name = name
        self.description = description
        self.columns = columns
        self.examples = examples
        self.location = location
    }

    /// Position of a column in the SQL schema, by name.
    public func columnIndex(_ name: String) -> Int? { columns.firstIndex { $0.name == name } }

    /// The statement given to `sqlite3_declare_vtab`. SQLite ignores the table
    /// name here; HIDDEN columns are table-valued-function arguments or
    /// columns kept out of `SELECT *`.
    public var createTableSQL: String {
        var sql = "CREATE TABLE x("
        for (i, c) in columns.enumerated() {
            if i > 0 { sql += ", " }
            sql += "\"\(c.name)\" \(c.type.rawValue)"
            if c.isHidden { sql += " HIDDEN" }
        }
        return sql + ")"
    }
}

/// One column of a table definition.
public struct ColumnDefinition: Sendable, Equatable {
    public var name: String
    public var type: SQLType
    /// Unit of the value (kB, ns, s, bytes, address, ...), if it has one.
    public var unit: String?
    public var description: String
    /// Not shown by `SELECT *`.
    public var isHidden: Bool
    /// A table-valued-function argument: `numbers(10)` sets it. Implies hidden.
    public var isArgument: Bool
    /// Operators the table evaluates itself when this column is constrained.
    public var pushdown: [ConstraintOperator]

    public init(name: String, type: SQLType, unit: String? = nil, description: String,
                isHidden: Bool = false, isArgument: Bool = false, pushdown: [ConstraintOperator] = []) {
        self.name = name
        self.type = type
        self.unit = unit
        self.description = description
        self.isHidden = isHidden || isArgument
        self.isArgument = isArgument
        // An argument is delivered as an equality constraint, so it is always pushed down.
        self.pushdown = isArgument && !pushdown.contains(.equal) ? [.equal] + pushdown : pushdown
    }
}

/// SQL column types, as written in definitions and in CREATE TABLE.
public enum SQLType: String, Sendable, Equatable, CaseIterable {
    case integer = "INTEGER", real = "REAL", text = "TEXT", blob = "BLOB"
}

/// An example query shipped with a definition (shown in the reference; a
/// test runs them to keep them valid).
public struct ExampleQuery: Sendable, Equatable {
    public var sql: String
    public var description: String?
    public init(sql: String, description: String? = nil) {
        self.sql = sql
        self.description = description
    }
}

/// file:line:column, 1-based.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}
