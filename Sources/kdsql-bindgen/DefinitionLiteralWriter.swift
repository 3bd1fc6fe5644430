import KdsqlDefinitions

/// Writes parsed table definitions back out as Swift expressions, so the
/// binary holds them ready-made: parsing every `.kdt` at start-up was 0.8 ms
/// of each kdsql run, the seed question included. A test parses the files on
/// disk and compares the result with these values.
enum DefinitionLiteralWriter {
    /// `ParsedDefinitions.tables`: the tables of `files` (name, definitions),
    /// in file-name order, as `DefinitionSet.builtin()` has always added them.
    static func source(files: [(name: String, tables: [TableDefinition])]) -> String {
        var out = bindgenHeader + "\n/// The table definitions of Grammar/tables, parsed when kdsql was built.\n"
        out += "enum ParsedDefinitions {\n    static let tables: [TableDefinition] = {\n"
        out += "        var tables: [TableDefinition] = []\n"
        out += "        tables.reserveCapacity(\(files.reduce(0) { $0 + $1.tables.count }))\n"
        for (_, tables) in files.sorted(by: { $0.name < $1.name }) {
            for t in tables { out += "        tables.append(\(table(t)))\n" }
        }
        return out + "        return tables\n    }()\n}\n"
    }

    static func table(_ t: TableDefinition) -> String {
        var s = "TableDefinition(name: \(string(t.name)), description: \(string(t.description)), columns: [\n"
        for c in t.columns { s += "            \(column(c)),\n" }
        s += "        ], examples: [\(t.examples.map(example).joined(separator: ", "))], "
        s += "location: \(location(t.location)), source: \(t.source.map(source) ?? "nil"))"
        return s
    }

    static func column(_ c: ColumnDefinition) -> String {
        "ColumnDefinition(name: \(string(c.name)), type: .\(sqlType(c.type)), unit: \(optional(c.unit)), "
            + "description: \(string(c.description)), isHidden: \(c.isHidden), isArgument: \(c.isArgument), "
            + "pushdown: [\(c.pushdown.map { ".\($0)" }.joined(separator: ", "))], "
            + "from: \(optional(c.from)), fromLocation: \(c.fromLocation.map(location) ?? "nil"))"
    }

    static func example(_ e: ExampleQuery) -> String {
        "ExampleQuery(sql: \(string(e.sql)), description: \(optional(e.description)))"
    }

    static func source(_ d: SourceDefinition) -> String {
        "SourceDefinition(kind: .\(d.kind), root: \(string(d.root)), "
            + "type: \(string(d.type)), via: \(optional(d.via)), count: \(optional(d.count)), location: \(location(d.location)), "
            + "rootLocation: \(location(d.rootLocation)), typeLocation: \(location(d.typeLocation)), "
            + "viaLocation: \(d.viaLocation.map(location) ?? "nil"), countLocation: \(d.countLocation.map(location) ?? "nil"))"
    }

    static func location(_ l: SourceLocation) -> String {
        "SourceLocation(file: \(string(l.file)), line: \(l.line), column: \(l.column))"
    }

    static func sqlType(_ t: SQLType) -> String {
        switch t {
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }

    static func optional(_ s: String?) -> String { s.map(string) ?? "nil" }

    /// A one-line raw string literal; newlines and carriage returns (which a
    /// description may not hold, but SQL examples may) become escapes.
    static func string(_ s: String) -> String {
        var longest = 0, run = 0
        for c in s { if c == "#" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let hashes = String(repeating: "#", count: longest + 1)
        var body = ""
        for c in s.unicodeScalars {
            switch c {
            case "\n": body += "\\" + hashes + "n"
            case "\r": body += "\\" + hashes + "r"
            case "\t": body += "\\" + hashes + "t"
            default: body.unicodeScalars.append(c)
            }
        }
        return hashes + "\"" + body + "\"" + hashes
    }
}
