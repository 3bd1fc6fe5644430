import Testing
import KdsqlSQL

/// What the front ends need from a compiled statement: column names, where
/// each column comes from and its unit, parameters, and statement-at-a-time
/// compilation with the error's position.
@Suite("Prepared statements")
struct PreparedStatementTests {
    @Test func columnsKnowTheTableColumnTheyReadAndItsUnit() throws {
        let db = try KdsqlDatabase()
        let statement = try db.prepare("SELECT t.task AS a, t.pid, t.task + 1 AS b, s.value FROM tasks t, kdsql_stats s")
        #expect(statement.columnNames == ["a", "pid", "b", "value"])
        #expect(statement.columnOrigins.map { $0.map { "\($0.table).\($0.column)" } } == ["tasks.task", "tasks.pid", nil, "kdsql_stats.value"])
        #expect(statement.columnUnits == ["address", nil, nil, nil])
    }

    @Test func originsFollowSubqueriesAndViews() throws {
        let db = try KdsqlDatabase()
        _ = try db.query("CREATE TEMP VIEW v AS SELECT task AS t FROM tasks")
        #expect(try db.prepare("SELECT t FROM (SELECT t FROM v)").columnUnits == ["address"])
    }

    @Test func parametersBindByNameAndReportTheUnbound() throws {
        let db = try KdsqlDatabase()
        let statement = try db.prepare("SELECT :a, @b, $c, ?")
        #expect(statement.parameterNames == [":a", "@b", "$c", nil])
        #expect(try statement.bind(["a": .integer(1), "b": .text("x")]) == ["$c", "?4"])
        #expect(try statement.rows() == [[.integer(1), .text("x"), .null, .null]])
    }

    @Test func statementsCompileOneAtATimeSoLaterOnesSeeEarlierTables() throws {
        let db = try KdsqlDatabase()
        var seen: [String] = []
        try db.forEachStatement("CREATE TEMP TABLE t(x); INSERT INTO t VALUES (7); SELECT x FROM t; -- done\n") { (statement) throws(SQLError) in
            seen.append(statement.sql.trimmingPrefix(" ").description)
            _ = try statement.rows()
        }
        #expect(seen == ["CREATE TEMP TABLE t(x);", "INSERT INTO t VALUES (7);", "SELECT x FROM t;"])
    }

    @Test func aCompileErrorCarriesItsByteOffsetInTheWholeText() throws {
        let db = try KdsqlDatabase()
        let sql = "SELECT 1;\nSELECT * FRM t"
        #expect(throws: SQLError(code: 1, message: "near \"FRM\": syntax error", sql: sql, offset: 19)) {
            try db.forEachStatement(sql) { (statement) throws(SQLError) in _ = try statement.rows() }
        }
    }

    @Test func completenessIsSQLitesOwnRule() {
        #expect(KdsqlDatabase.isComplete("SELECT 1;"))
        #expect(!KdsqlDatabase.isComplete("SELECT ';"))
        #expect(!KdsqlDatabase.isComplete("SELECT 1 -- ;"))
    }
}
