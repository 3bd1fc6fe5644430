import KdsqlSQL

/// A test-only table over synthetic data: `numbers(n)` gives 1...n. It
/// exercises every part of the table API without a kernel dump.
struct NumbersTable: VirtualTable {
    typealias Row = Int64
    static let name = "numbers"

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

    static var columns: [String: Column<Int64>] {
        [
            "value": .integer { $0 },
            "key": .integer { $0 },
            "square": .integer { $0 &* $0 },
            "unreadable": .integer { (v: Int64) -> Int64? in throw Unreadable(value: v) },
            "n": .argument,
            "fail_at": .argument,
        ]
    }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Int64> {
        let generated = context.counter("numbers.generated")
        let n = scan.argument("n")?.int64 ?? 10
        guard n >= 0 else { throw BadArgument() }
        let failAt = scan.argument("fail_at")?.int64
        if let key = scan.equal("key")?.int64 {
            return Rows((1...max(n, 1)).contains(key) && n > 0 ? [key] : [])
        }
        let range = scan.integerRange("value")
        var next = max(1, range.lower)
        let last = min(n, range.upper)
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
}

/// An implementation whose columns disagree with its definition both ways.
struct MismatchedTable: VirtualTable {
    static let name = "numbers"
    static var columns: [String: Column<Int64>] {
        ["value": .integer { $0 }, "key": .integer { $0 }, "square": .integer { $0 }, "n": .argument,
         "fail_at": .argument, "cube": .integer { $0 }]
    }
    init(context: ConnectionContext) {}
    func open(_ scan: Scan) throws -> Rows<Int64> { .empty }
}

func numbersDatabase(strict: Bool = false) throws -> KdsqlDatabase {
    try KdsqlDatabase(context: ConnectionContext(options: .init(strict: strict)),
                      extraDefinitions: [NumbersTable.definition], extraTables: [.table(NumbersTable.self)])
}
