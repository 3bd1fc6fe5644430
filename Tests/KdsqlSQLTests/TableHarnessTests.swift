import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// Every registered table on every fixture, without being told about any of
/// them (osquery's per-table validation is the model): `SELECT *` runs without
/// a warning, every value has its column's declared type and unit, and for
/// every push-down column and operator the table gives exactly what SQLite
/// gives over a materialised copy of the table: with integer, REAL, text, hex,
/// NULL, negative and out-of-range values, and in OR, IN and UNION plans that
/// scan the table more than once.
@Suite(.serialized) struct TableHarnessTests {
    /// kdsql_stats counts the queries that read it; only its names are stable.
    static let volatileColumns: [String: Set<String>] = ["kdsql_stats": ["value"]]

    struct Harness {
        let db: KdsqlDatabase
        let set: String

        func rows(_ sql: String) throws -> [String] {
            try db.query(sql).map { $0.map(\.description).joined(separator: "\u{1f}") }.sorted()
        }

        /// Same multiset of rows from the table and from its copy.
        func compare(_ table: TableDefinition, _ columns: String, _ condition: String,
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            let direct = "SELECT \(columns) FROM \(table.name) WHERE \(condition)"
            let copy = "SELECT \(columns) FROM harness_copy WHERE \(condition)"
            do {
                let got = try rows(direct), want = try rows(copy)
                if got != want {
                    Issue.record("\(set): \(direct): \(got.count) rows, the copy \(want.count)", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record("\(set): \(direct): \(error)", sourceLocation: sourceLocation)
            }
        }
    }

    static func database(_ set: String, _ file: String) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.dumpPath(set, file))))
    }

    @Test(arguments: Fixtures.everySet.map(\.set))
    func everyTableAnswersLikeSQLiteOverACopy(set: String) throws {
        let file = try #require(Fixtures.everySet.first { $0.set == set }).file
        let db = try Self.database(set, file)
        let h = Harness(db: db, set: set)
        #expect(db.definitions.tables.count >= 28)
        for table in db.definitions.tables {
            let visible = table.columns.filter { !$0.isHidden }
            let stable = visible.filter { !(Self.volatileColumns[table.name]?.contains($0.name) ?? false) }
            let columns = stable.map { "\"\($0.name)\"" }.joined(separator: ", ")
            // SELECT * runs, without a warning (a table that skips objects on an
            // undamaged dump reads something wrong); the copy every comparison is made against.
            _ = try db.query("DROP TABLE IF EXISTS harness_copy")
            _ = db.drainWarnings()
            do {
                _ = try db.query("CREATE TEMP TABLE harness_copy AS SELECT * FROM \(table.name)")
            } catch {
                Issue.record("\(set): SELECT * FROM \(table.name): \(error)")
                continue
            }
            let warnings = db.drainWarnings()
            #expect(warnings.isEmpty, "\(set): SELECT * FROM \(table.name) warned: \(warnings.prefix(3))")
            let copy = try db.query("SELECT \(visible.map { "\"\($0.name)\"" }.joined(separator: ", ")) FROM harness_copy")
            checkTypes(table, visible, copy, set: set)
            for column in table.columns where !column.isArgument && !column.pushdown.isEmpty {
                let index = try #require(visible.firstIndex { $0.name == column.name })
                let values = Self.samples(copy.map { $0[index] })
                // Large tables (symbols, types, their members) get the sharpest cases only.
                for condition in Self.conditions(column, values, thorough: copy.count <= 20_000) {
                    h.compare(table, columns, condition)
                }
            }
            // Two push-down columns in one OR: the table is scanned once per term.
            let pushed = table.columns.filter { !$0.isArgument && $0.pushdown.contains(.equal) }
            for (a, b) in zip(pushed, pushed.dropFirst()) {
                let ia = try #require(visible.firstIndex { $0.name == a.name }), ib = try #require(visible.firstIndex { $0.name == b.name })
                guard let va = Self.samples(copy.map { $0[ia] }).first, let vb = Self.samples(copy.map { $0[ib] }).last else { continue }
                h.compare(table, columns, "\"\(a.name)\" = \(Self.literal(va)) OR \"\(b.name)\" = \(Self.literal(vb))")
            }
            _ = db.drainWarnings()
        }
    }

    /// Declared SQL type and unit of every value.
    func checkTypes(_ table: TableDefinition, _ columns: [ColumnDefinition], _ rows: [[SQLValue]], set: String) {
        for (i, column) in columns.enumerated() {
            for row in rows {
                let value = row[i]
                let fits: Bool
                switch (column.type, value) {
                case (_, .null): fits = true
                case (.integer, .integer(let v)):
                    switch column.unit {
                    case "kB", "bytes", "bits", "percent": fits = v >= 0
                    default: fits = true
                    }
                case (.real, .real(let d)): fits = column.unit != "percent" || (d >= 0 && d <= 100)
                case (.text, .text), (.blob, .blob): fits = true
                default: fits = false
                }
                if !fits {
                    Issue.record("\(set): \(table.name).\(column.name) is \(column.type.rawValue)\(column.unit.map { " unit \($0)" } ?? "") but holds \(value)")
                    break
                }
            }
        }
    }

    /// A few distinct values of a column: the smallest, one from the middle, the largest.
    static func samples(_ values: [SQLValue]) -> [SQLValue] {
        let present = values.filter { !$0.isNull }
        var distinct: [SQLValue] = []
        var seen = Set<String>()
        for v in present where seen.insert(v.description).inserted { distinct.append(v) }
        distinct.sort { a, b in
            switch (a, b) {
            case (.integer(let x), .integer(let y)): x < y
            default: a.description < b.description
            }
        }
        guard !distinct.isEmpty else { return [] }
        let picks = [0, distinct.count / 2, distinct.count - 1]
        var out: [SQLValue] = []
        for i in picks where !out.contains(distinct[i]) { out.append(distinct[i]) }
        return out
    }

    static func literal(_ v: SQLValue) -> String {
        switch v {
        case .text(let s): "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        case .real(let d): "\(d)"
        default: v.description
        }
    }

    /// The WHERE clauses a push-down column is checked with.
    static func conditions(_ column: ColumnDefinition, _ values: [SQLValue], thorough: Bool) -> [String] {
        let c = "\"\(column.name)\""
        var out: [String] = []
        let oddities = thorough ? ["NULL", "'abc'", "x'01'", "-1", "9223372036854775807", "-9223372036854775808", "1e300", "-1e300", "''"]
            : ["NULL", "'abc'", "9223372036854775807"]
        for op in column.pushdown where thorough || op == .equal || op == .greaterThan {
            for o in oddities { out.append("\(c) \(op.rawValue) \(o)") }
            for v in thorough ? values : Array(values.prefix(1)) {
                out.append("\(c) \(op.rawValue) \(literal(v))")
                switch v {
                case .integer(let i):
                    out.append("\(c) \(op.rawValue) \(i).0")
                    out.append("\(c) \(op.rawValue) \(i) + 0.5")
                    out.append("\(c) \(op.rawValue) '\(i)'")
                    out.append("\(c) \(op.rawValue) ' \(i) '")
                    out.append("\(c) \(op.rawValue) '0x\(String(UInt64(bitPattern: i), radix: 16))'")
                    if i >= 0 { out.append("\(c) \(op.rawValue) 0x\(String(i, radix: 16))") }
                case .text(let s):
                    out.append("\(c) \(op.rawValue) \(literal(.text(s + " ")))")
                    if let i = Int64(s) { out.append("\(c) \(op.rawValue) \(i)") }
                default: break
                }
            }
        }
        if column.pushdown.contains(.equal), let first = values.first, let last = values.last {
            out.append("\(c) = \(literal(first)) OR \(c) = \(literal(last))")
            out.append("\(c) IN (\(literal(first)), \(literal(last)), \(literal(first)), NULL)")
            out.append("\(c) IN (SELECT \(c) FROM harness_copy LIMIT 3)")
            out.append("\(c) IN (\(values.map(literal).joined(separator: ", "))) OR \(c) = \(literal(last))")
        }
        return out
    }

    @Test(arguments: Fixtures.everySet.map(\.set))
    func unionOfTwoPushedDownScansIsTheUnionOverTheCopy(set: String) throws {
        let file = try #require(Fixtures.everySet.first { $0.set == set }).file
        let db = try Self.database(set, file)
        for table in db.definitions.tables where table.name != "kdsql_stats" {
            guard let column = table.columns.first(where: { !$0.isArgument && $0.pushdown.contains(.equal) }) else { continue }
            _ = try db.query("DROP TABLE IF EXISTS harness_copy")
            _ = try db.query("CREATE TEMP TABLE harness_copy AS SELECT * FROM \(table.name)")
            let values = Self.samples(try db.query("SELECT \"\(column.name)\" FROM harness_copy").map { $0[0] })
            guard let a = values.first, let b = values.last else { continue }
            let q = { (from: String) in
                "SELECT * FROM \(from) WHERE \"\(column.name)\" = \(Self.literal(a)) UNION SELECT * FROM \(from) WHERE \"\(column.name)\" = \(Self.literal(b))"
            }
            let got = try db.query(q(table.name)).map(\.description).sorted()
            let want = try db.query(q("harness_copy")).map(\.description).sorted()
            #expect(got == want, "\(set): \(table.name).\(column.name)")
        }
    }
}

/// The queries that returned rows SQLite would not, each against the same
/// query over `WITH m AS MATERIALIZED (SELECT * FROM t)`.
@Suite struct PushDownRegressionTests {
    static let queries: [(table: String, condition: String)] = [
        ("tasks", "pid = 1.5"), ("tasks", "pid = '0x1'"), ("vmas", "pid = 1.5"), ("cpus", "cpu = 0.5"),
        ("stack_frames", "pid = 1 OR cpu = 1"), ("files", "pid IN (1, 212) OR pid = 152"),
        ("vmcoreinfo", "key = 'OSRELEASE' OR key IN ('PAGESIZE','BUILD-ID')"),
    ]

    @Test(arguments: queries.indices)
    func answersLikeAMaterialisedCopy(index: Int) throws {
        let (table, condition) = Self.queries[index]
        let db = try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(
            path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))))
        let got = try db.query("SELECT count(*) FROM \(table) WHERE \(condition)")
        let want = try db.query("WITH m AS MATERIALIZED (SELECT * FROM \(table)) SELECT count(*) FROM m WHERE \(condition)")
        #expect(got == want, "\(table) WHERE \(condition)")
        #expect(want != [[.integer(0)]] || condition.contains(".5") || condition.contains("0x1"))
    }
}
