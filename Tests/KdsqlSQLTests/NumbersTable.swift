import KdsqlSQL

/// A test-only table over synthetic data: `numbers(n)` gives 1...n. It
/// exercises every part of the table API without a kernel dump. Its
/// binding (`Columns`, `Filter`, `getters`) is written here by hand, as
/// kdsql-bindgen writes it for the tables of Grammar/tables.
struct NumbersTable: VirtualTable {
    typealias Row = Int64
    static let name = "numbers"
    static let columnCount = 6

    struct Columns {
        var value: IntegerColumn<Row>
        var key: IntegerColumn<Row>
        var square: IntegerColumn<Row>
        var unreadable: IntegerColumn<Row>
    }

    struct Filter: ScanFilter {
        var value = IntegerConstraint()
        var key = IntegerConstraint()
        var n: SQLValue?
        var failAt: SQLValue?
        init(_ scan: Scan) {
            for bound in scan.constraints {
                switch bound.column {
                case "value": value.add(bound.op, bound.value)
                case "key": key.add(bound.op, bound.value)
                case "n": n = bound.value
                case "fail_at": failAt = bound.value
                default: break
                }
            }
        }
    }

    static func getters(_ c: Columns) -> [ColumnGetter<Row>] {
        [.value(c.value.get), .value(c.key.get), .value(c.square.get), .value(c.unreadable.get), .argument, .argument]
    }

    static let definitionText = """
    # Test-only table.
    table numbers "The integers 1...n." {
        column value    INTEGER  pushdown(<, <=, >, >=)  "The number";
        column key      INTEGER  pushdown(=)             "The number again; equality is pushed down";
        column square   INTEGER  unit none               "value * value";
        column unreadable INTEGER                        "Always fails, like memory missing from a dump";
        column n        INTEGER  argument                "How many numbers (default 10)";
        column fail_at  INTEGER  argument                "xNext throws when reaching this number";
        example "SELECT value FROM numbers(5)";
    }
    """

    static var definition: TableDefinition { try! DefinitionParser.parse(definitionText, file: "numbers.kdt")[0] }

    struct Unreadable: Error, CustomStringConvertible {
        var value: Int64
        var description: String { "page of number \(value) is not in the dump" }
    }
    struct WalkFailed: Error, CustomStringConvertible {
        var at: Int64
        var description: String { "walk failed at \(at)" }
    }
    struct BadArgument: Error, CustomStringConvertible {
        var description: String { "n must be >= 0" }
    }

    static var columns: Columns {
        Columns(
            value: .integer { $0 },
            key: .integer { $0 },
            square: .integer { $0 &* $0 },
            unreadable: .integer { (v: Int64) -> Int64? in throw Unreadable(value: v) })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Int64> {
        let generated = context.counter("numbers.generated")
        let n = filter.n?.int64 ?? 10
        guard n >= 0 else { throw BadArgument() }
        let failAt = filter.failAt?.int64
        if filter.key.isEmpty || filter.value.isEmpty { return .empty }
        if let key = filter.key.equal {
            return Rows((1...max(n, 1)).contains(key) && n > 0 ? [key] : [])
        }
        var next = max(1, filter.value.lower)
        let last = min(n, filter.value.upper)
        // Pull-based: each row is made when SQLite asks for it.
        return Rows(next: {
            guard next <= last else { return nil }
            defer { next += 1 }
            // The walker's own work, independent of what the bridge counts.
            generated.value += 1
            if next == failAt { throw WalkFailed(at: next) }
            return next
        })
    }

    func rowIdentity(_ row: Int64) -> RowIdentity { RowIdentity(row) }
}

/// A binding generated from another definition than the one registered:
/// one column short of `numbers`.
struct MismatchedTable: VirtualTable {
    typealias Row = Int64
    static let name = "numbers"
    static let columnCount = 1
    struct Columns { var value: IntegerColumn<Row> }
    typealias Filter = NumbersTable.Filter
    static func getters(_ c: Columns) -> [ColumnGetter<Row>] { [.value(c.value.get)] }
    static var columns: Columns { Columns(value: .integer { $0 }) }
    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Int64> { .empty }
    func rowIdentity(_ row: Int64) -> RowIdentity { RowIdentity(row) }
}

func numbersDatabase(strict: Bool = false) throws -> KdsqlDatabase {
    try KdsqlDatabase(context: ConnectionContext(options: .init(strict: strict)),
                      extraDefinitions: [NumbersTable.definition], extraTables: [.table(NumbersTable.self)])
}
