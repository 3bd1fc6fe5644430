import KdsqlDefinitions

/// Writes the Swift binding of one table definition: an extension of the
/// table's implementation type (`tasks` → `TasksTable`) with
/// - `name` and `Columns`, one stored getter per column in definition order,
///   typed by the column's SQL type and unit (a missing, extra or mistyped
///   column is a compile error in the implementation);
/// - `Filter`, the pushed-down constraints decoded once per scan with
///   SQLite's comparison rules for the column's type;
/// - `getters`, the Columns in SQLite's column order for the cursor.
enum BindingWriter {
    /// `net_devices` → `NetDevicesTable`, `kdsql_stats` → `KdsqlStatsTable`.
    static func typeName(_ table: String) -> String {
        table.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Table"
    }

    /// `start_time_ns` → `startTimeNs`, backquoted so keywords (`class`) work.
    static func propertyName(_ column: String) -> String {
        let parts = column.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first else { return "`\(column)`" }
        return "`" + first.lowercased() + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "`"
    }

    static func columnType(_ c: ColumnDefinition) -> String {
        switch c.type {
        case .integer: return c.unit == "address" ? "AddressColumn<Row>" : "IntegerColumn<Row>"
        case .real: return "RealColumn<Row>"
        case .text: return "TextColumn<Row>"
        case .blob: return "BlobColumn<Row>"
        }
    }

    static func constraintType(_ c: ColumnDefinition) -> String {
        switch c.type {
        case .integer: return "IntegerConstraint"
        case .real: return "RealConstraint"
        case .text: return "TextConstraint"
        case .blob: return "BlobConstraint"
        }
    }

    static func comment(_ text: String, indent: String) -> String {
        indent + "/// " + text + "\n"
    }

    static func binding(for table: TableDefinition) -> String {
        let type = typeName(table.name)
        var out = "extension \(type) {\n"
        out += "    static let name = \"\(table.name)\"\n"
        out += "    /// Columns in SQLite's order, arguments included (`getters` has one each).\n"
        out += "    static let columnCount = \(table.columns.count)\n\n"
        out += "    /// How each column of `\(table.name)` is read from a row, in definition order.\n"
        out += "    struct Columns {\n"
        for c in table.columns where !c.isArgument {
            out += comment(c.description, indent: "        ")
            out += "        var \(propertyName(c.name)): \(columnType(c))\n"
        }
        out += "    }\n\n"

        out += "    /// The constraints SQLite handed this scan, decoded with its comparison\n"
        out += "    /// rules for each column's type; table-valued-function arguments as given.\n"
        out += "    struct Filter: ScanFilter {\n"
        let pushed = table.columns.filter { !$0.isArgument && !$0.pushdown.isEmpty }
        let arguments = table.columns.filter(\.isArgument)
        for c in pushed {
            out += comment("`\(c.name)` \(c.pushdown.map(\.rawValue).joined(separator: " ")): \(c.description)", indent: "        ")
            out += "        var \(propertyName(c.name)) = \(constraintType(c))()\n"
        }
        for c in arguments {
            out += comment("Argument `\(c.name)`: \(c.description)", indent: "        ")
            out += "        var \(propertyName(c.name)): SQLValue? = nil\n"
        }
        out += "        init() {}\n"
        out += "        init(_ scan: Scan) {\n"
        if pushed.isEmpty && arguments.isEmpty {
            out += "            _ = scan\n"
        } else {
            out += "            for bound in scan.constraints {\n"
            out += "                switch bound.column {\n"
            for c in pushed {
                out += "                case \"\(c.name)\": \(propertyName(c.name)).add(bound.op, bound.value)\n"
            }
            for c in arguments {
                out += "                case \"\(c.name)\": \(propertyName(c.name)) = bound.value\n"
            }
            out += "                default: break\n"
            out += "                }\n"
            out += "            }\n"
        }
        out += "        }\n"
        out += "    }\n\n"

        out += "    /// The getters in SQLite's column order (arguments echo their value).\n"
        out += "    static func getters(_ c: Columns) -> [ColumnGetter<Row>] {\n        [\n"
        for c in table.columns {
            out += c.isArgument ? "            .argument,\n" : "            .value(c.\(propertyName(c.name)).get),\n"
        }
        out += "        ]\n    }\n}\n\n"
        return out
    }
}
