/// A table as its `.kdt` definition describes it (see Grammar/kdsql-tables.ebnf).
public struct TableDefinition: Sendable, Equatable {
    public var name: String
    /// One line, shown by `.schema` and in the table reference.
    public var description: String
    public var columns: [ColumnDefinition]
    public var examples: [ExampleQuery]
    /// Where the definition was read from, for messages.
    public var location: SourceLocation
    /// Where the rows of a user-defined table come from (`source list_head
    /// ...`); nil for tables implemented in Swift.
    public var source: SourceDefinition?

    public init(name: String, description: String, columns: [ColumnDefinition],
                examples: [ExampleQuery] = [], location: SourceLocation = SourceLocation(file: "<builtin>", line: 1, column: 1),
                source: SourceDefinition? = nil) {
        self.name = name
        self.description = description
        self.columns = columns
        self.examples = examples
        self.location = location
        self.source = source
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
    /// User-defined tables: the member path the value is read from
    /// (`from "mm->map_count"`) and where it is written; nil for the hidden
    /// `address` column and for built-in tables.
    public var from: String?
    public var fromLocation: SourceLocation?

    public init(name: String, type: SQLType, unit: String? = nil, description: String,
                isHidden: Bool = false, isArgument: Bool = false, pushdown: [ConstraintOperator] = [],
                from: String? = nil, fromLocation: SourceLocation? = nil) {
        self.from = from
        self.fromLocation = fromLocation
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

/// The `source` clause of a user-defined table: which kernel structure to
/// walk and what each element is.
///
///     source list_head "init_task.tasks" of "task_struct" via "tasks";
///     source array "swap_info" of "struct swap_info_struct *" count "nr_swapfiles";
public struct SourceDefinition: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A `struct list_head` whose nodes are `via` members of `of` objects.
        case listHead = "list_head"
        /// A `struct hlist_head`; nodes are `hlist_node` members (`via`).
        case hlistHead = "hlist_head"
        /// A `struct rb_root` or `rb_root_cached`; nodes are `rb_node` members (`via`), in order.
        case rbtree
        /// An xarray (also an IDR or radix tree): each stored pointer is an `of` object.
        case xarray
        /// A per-CPU variable of type `of`: one row per possible CPU.
        case percpu
        /// `count` consecutive `of` values (pointers to objects when `of` ends in `*`).
        case array
        /// The one `of` object at the path.
        case object

        var needsVia: Bool { self == .listHead || self == .hlistHead || self == .rbtree }
    }

    public var kind: Kind
    /// A path from a global: `init_task.tasks`, `modules`, `super_blocks`.
    public var root: String
    /// The type of each row's object: `task_struct`, `struct module`.
    public var type: String
    /// The member of `type` that links it into the structure.
    public var via: String?
    /// `array` only: the number of elements, a number or a path from a global.
    public var count: String?
    public var location: SourceLocation
    public var rootLocation: SourceLocation
    public var typeLocation: SourceLocation
    public var viaLocation: SourceLocation?
    public var countLocation: SourceLocation?

    public init(kind: Kind, root: String, type: String, via: String? = nil, count: String? = nil,
                location: SourceLocation, rootLocation: SourceLocation, typeLocation: SourceLocation,
                viaLocation: SourceLocation? = nil, countLocation: SourceLocation? = nil) {
        self.kind = kind
        self.root = root
        self.type = type
        self.via = via
        self.count = count
        self.location = location
        self.rootLocation = rootLocation
        self.typeLocation = typeLocation
        self.viaLocation = viaLocation
        self.countLocation = countLocation
    }
}
