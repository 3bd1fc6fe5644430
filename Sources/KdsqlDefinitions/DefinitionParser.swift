/// Recursive-descent parser for `.kdt` table definitions; one method per rule
/// of Grammar/kdsql-tables.ebnf. Errors carry file:line:column.
public struct DefinitionParser {
    private var lexer: DefinitionLexer
    private var token: DefinitionLexer.Token

    /// Parses a whole file.
    public static func parse(_ text: String, file: String) throws(DefinitionError) -> [TableDefinition] {
        try parse(bytes: Array(text.utf8), file: file)
    }

    public static func parse(bytes: [UInt8], file: String) throws(DefinitionError) -> [TableDefinition] {
        do {
            var parser = try DefinitionParser(bytes: bytes, file: file)
            return try parser.file()
        } catch let error as DefinitionError {
            throw error
        } catch {
            // Only DefinitionError is ever thrown inside; keep the signature honest.
            throw DefinitionError("\(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    private init(bytes: [UInt8], file: String) throws {
        lexer = DefinitionLexer(bytes: bytes, file: file)
        token = try lexer.next()
    }

    // file = { table } ;
    private mutating func file() throws -> [TableDefinition] {
        var tables: [TableDefinition] = []
        while token.kind != .end {
            let table = try table()
            if let first = tables.first(where: { $0.name == table.name }) {
                throw DefinitionError("table '\(table.name)' is already defined at \(first.location)", at: table.location)
            }
            tables.append(table)
        }
        return tables
    }

    // table = "table" name string "{" { table_item } "}" ;
    private mutating func table() throws -> TableDefinition {
        let location = token.location
        try expectKeyword("table", context: "at the start of a definition")
        let name = try name(what: "table name")
        let description = try string(what: "the table's one-line description")
        try expectSymbol("{", context: "after the description of table '\(name)'")
        var columns: [ColumnDefinition] = []
        var examples: [ExampleQuery] = []
        var source: SourceDefinition?
        while token.kind != .symbol("}") {
            let itemLocation = token.location
            switch token.kind {
            case .word("column"):
                let column = try column()
                if columns.contains(where: { $0.name == column.name }) {
                    throw DefinitionError("column '\(column.name)' appears twice in table '\(name)'", at: itemLocation)
                }
                columns.append(column)
            case .word("example"):
                examples.append(try example())
            case .word("source"):
                if let first = source {
                    throw DefinitionError("table '\(name)' has a second source (the first is at \(first.location))", at: itemLocation)
                }
                source = try self.source()
            case .end:
                throw DefinitionError("table '\(name)' is not closed: expected '}' before end of file", at: itemLocation)
            default:
                throw DefinitionError("expected 'column', 'example' or '}' in table '\(name)', found \(token.spelling)", at: itemLocation)
            }
        }
        try advance()
        if columns.isEmpty { throw DefinitionError("table '\(name)' has no columns", at: location) }
        if let source {
            // A user-defined table: every column reads a member path (its own
            // name unless `from` says otherwise), and `address` is the row's object.
            for i in columns.indices {
                if columns[i].name == "address" {
                    throw DefinitionError("column 'address' is reserved in table '\(name)': every table with a source has it (the object's address)", at: columns[i].fromLocation ?? location)
                }
                if columns[i].from == nil { columns[i].from = columns[i].name }
            }
            columns.append(ColumnDefinition(name: "address", type: .integer, unit: "address",
                                            description: "Address of the \(source.type) the row describes",
                                            isHidden: true, pushdown: [.equal]))
        } else if let c = columns.first(where: { $0.from != nil }) {
            throw DefinitionError("column '\(c.name)' reads 'from' a member path, but table '\(name)' has no source clause to say of what", at: c.fromLocation ?? location)
        }
        return TableDefinition(name: name, description: description, columns: columns, examples: examples, location: location,
                               source: source)
    }

    // source = "source" source_kind string "of" string [ "via" string ] [ "count" string ] ";" ;
    private mutating func source() throws -> SourceDefinition {
        let location = token.location
        try advance()
        let kindLocation = token.location
        guard case .word(let word) = token.kind else {
            throw DefinitionError("expected a source kind (\(Self.sourceKinds)), found \(token.spelling)", at: kindLocation)
        }
        guard let kind = SourceDefinition.Kind(rawValue: word) else {
            throw DefinitionError("unknown source kind '\(word)' (expected \(Self.sourceKinds))", at: kindLocation)
        }
        try advance()
        let rootLocation = token.location
        let root = try string(what: "the \(word) to walk, a path from a global (\"init_task.tasks\")")
        let typeLocation = token.location
        try expectKeyword("of", context: "after the \(word) path: 'of \"TYPE\"' names the type of each row's object")
        let type = try string(what: "the type of each row's object")
        var via: String?, viaLocation: SourceLocation?
        var count: String?, countLocation: SourceLocation?
        while case .word(let option) = token.kind {
            let here = token.location
            switch option {
            case "via":
                guard kind.needsVia else {
                    throw DefinitionError("'via' is for list_head, hlist_head and rbtree sources, not \(word)", at: here)
                }
                try advance()
                viaLocation = token.location
                via = try string(what: "the member of \(type) that links it into the \(word)")
            case "count":
                guard kind == .array else { throw DefinitionError("'count' is for array sources, not \(word)", at: here) }
                try advance()
                countLocation = token.location
                count = try string(what: "the number of elements (a number, or a path from a global)")
            default:
                throw DefinitionError("unknown source option '\(option)' (expected via, count or ';')", at: here)
            }
        }
        if kind.needsVia, via == nil {
            throw DefinitionError("a \(word) source needs 'via \"MEMBER\"': the member of \(type) that links it", at: token.location)
        }
        if kind == .array, count == nil {
            throw DefinitionError("an array source needs 'count \"N\"'", at: token.location)
        }
        try expectSymbol(";", context: "after the source clause")
        return SourceDefinition(kind: kind, root: root, type: type, via: via, count: count, location: location,
                                rootLocation: rootLocation, typeLocation: typeLocation, viaLocation: viaLocation,
                                countLocation: countLocation)
    }

    private static var sourceKinds: String {
        SourceDefinition.Kind.allCases.map(\.rawValue).joined(separator: ", ")
    }

    // column = "column" name sql_type { column_option } string ";" ;
    private mutating func column() throws -> ColumnDefinition {
        try advance()
        let name = try name(what: "column name")
        guard case .word(let typeWord) = token.kind, let type = SQLType(rawValue: typeWord) else {
            throw DefinitionError("expected the SQL type of column '\(name)' (INTEGER, REAL, TEXT or BLOB), found \(token.spelling)", at: token.location)
        }
        try advance()
        var unit: String?
        var hidden = false, argument = false
        var pushdown: [ConstraintOperator] = []
        var from: String?, fromLocation: SourceLocation?
        // column_option = "unit" name | "hidden" | "argument" | "pushdown" "(" operator { "," operator } ")" ;
        options: while case .word(let word) = token.kind {
            switch word {
            case "unit":
                try advance()
                unit = try self.name(what: "unit of column '\(name)'")
            case "hidden":
                try advance(); hidden = true
            case "argument":
                try advance(); argument = true
            case "from":
                try advance()
                fromLocation = token.location
                from = try string(what: "the member path column '\(name)' reads (\"comm\", \"mm->map_count\")")
            case "pushdown":
                try advance()
                try expectSymbol("(", context: "after 'pushdown'")
                repeat {
                    pushdown.append(try constraintOperator())
                } while try acceptSymbol(",")
                try expectSymbol(")", context: "to close the pushdown list of column '\(name)'")
            default:
                throw DefinitionError("unknown column option '\(word)' (expected unit, hidden, argument, pushdown or from)", at: token.location)
            }
        }
        let description = try string(what: "the one-line description of column '\(name)'")
        try expectSymbol(";", context: "after column '\(name)'")
        return ColumnDefinition(name: name, type: type, unit: unit, description: description,
                                isHidden: hidden, isArgument: argument, pushdown: pushdown, from: from, fromLocation: fromLocation)
    }

    // operator = "=" | "<" | "<=" | ">" | ">=" | "!=" | "LIKE" | "GLOB" ;
    private mutating func constraintOperator() throws -> ConstraintOperator {
        let spelled: String
        switch token.kind {
        case .symbol(let s): spelled = s
        case .word(let w): spelled = w
        default: spelled = ""
        }
        guard let op = ConstraintOperator(rawValue: spelled), ConstraintOperator.declarable.contains(op) else {
            throw DefinitionError("expected an operator (= < <= > >= != LIKE GLOB), found \(token.spelling)", at: token.location)
        }
        try advance()
        return op
    }

    // example = "example" string [ string ] ";" ;
    private mutating func example() throws -> ExampleQuery {
        try advance()
        let sql = try string(what: "the example's SQL")
        var description: String?
        if case .string(let s) = token.kind {
            description = s
            try advance()
        }
        try expectSymbol(";", context: "after the example")
        return ExampleQuery(sql: sql, description: description)
    }

    // MARK: tokens

    private mutating func advance() throws { token = try lexer.next() }

    private mutating func name(what: String) throws -> String {
        guard case .word(let w) = token.kind else {
            throw DefinitionError("expected \(what), found \(token.spelling)", at: token.location)
        }
        try advance()
        return w
    }

    private mutating func string(what: String) throws -> String {
        guard case .string(let s) = token.kind else {
            throw DefinitionError("expected \(what) (a \"quoted string\"), found \(token.spelling)", at: token.location)
        }
        try advance()
        return s
    }

    private mutating func expectKeyword(_ keyword: String, context: String) throws {
        guard token.kind == .word(keyword) else {
            throw DefinitionError("expected '\(keyword)' \(context), found \(token.spelling)", at: token.location)
        }
        try advance()
    }

    private mutating func expectSymbol(_ symbol: String, context: String) throws {
        guard token.kind == .symbol(symbol) else {
            throw DefinitionError("expected '\(symbol)' \(context), found \(token.spelling)", at: token.location)
        }
        try advance()
    }

    private mutating func acceptSymbol(_ symbol: String) throws -> Bool {
        guard token.kind == .symbol(symbol) else { return false }
        try advance()
        return true
    }
}
