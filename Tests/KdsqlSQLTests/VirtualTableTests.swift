import Testing
import KdsqlSQL

@Suite("Virtual tables")
struct VirtualTableTests {
    @Test func eponymousTableNeedsNoCreateStatement() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT value FROM numbers(3)") == [[.integer(1)], [.integer(2)], [.integer(3)]])
        #expect(try db.query("SELECT count(*) FROM numbers") == [[.integer(10)]])
    }

    @Test func tablesCannotBeCreatedExplicitly() throws {
        let db = try numbersDatabase()
        #expect(throws: SQLError.self) { try db.query("CREATE VIRTUAL TABLE t USING numbers") }
    }

    @Test func hiddenArgumentColumnsAreLeftOutOfSelectStarAndEchoTheirValue() throws {
        let db = try numbersDatabase()
        let rows = try db.query("SELECT * FROM numbers(2)")
        #expect(rows.count == 2 && rows[0].count == 4)
        #expect(try db.query("SELECT n FROM numbers(2) LIMIT 1") == [[.integer(2)]])
    }

    @Test func equalityPushDownVisitsOneRow() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT value FROM numbers(1000) WHERE key = 5") == [[.integer(5)]])
        #expect(db.context.rowsVisited["numbers"] == 1)
    }

    /// xBestIndex answers are cached by constraint shape: a second statement
    /// of the same shape still gets its own values, and another shape its own plan.
    @Test func aCachedPlanPairsWithEachStatementsOwnValues() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT value FROM numbers(1000) WHERE key = 5") == [[.integer(5)]])
        #expect(try db.query("SELECT value FROM numbers(1000) WHERE key = 7") == [[.integer(7)]])
        #expect(try db.query("SELECT value FROM numbers(9) WHERE key = 7") == [[.integer(7)]])
        #expect(try db.query("SELECT value FROM numbers(1000) WHERE key > 998") == [[.integer(999)], [.integer(1000)]])
        #expect(try db.query("SELECT count(*) FROM numbers(1000) WHERE key = 5 OR key = 6") == [[.integer(2)]])
    }

    @Test func fullScanVisitsEveryRow() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT value FROM numbers(1000) WHERE square = 25") == [[.integer(5)]])
        #expect(db.context.rowsVisited["numbers"] == 1000)
    }

    @Test func explainQueryPlanShowsThePushedDownConstraint() throws {
        let db = try numbersDatabase()
        let pushed = try db.query("EXPLAIN QUERY PLAN SELECT value FROM numbers(1000) WHERE key = 5").map { $0[3].string ?? "" }
        // idxStr lists the consumed constraints: column 4 (n) and column 1 (key) with '=' ("e").
        #expect(pushed.contains { $0.contains("VIRTUAL TABLE INDEX 0:") && $0.contains("1e,") })
        let scanned = try db.query("EXPLAIN QUERY PLAN SELECT value FROM numbers(1000) WHERE square = 5").map { $0[3].string ?? "" }
        #expect(scanned.contains { $0.contains("VIRTUAL TABLE INDEX 0:") && !$0.contains("1e,") })
    }

    @Test func rangePushDownStartsAndStopsTheWalk() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT count(*) FROM numbers(1000) WHERE value > 10 AND value <= 20") == [[.integer(10)]])
        #expect(db.context.rowsVisited["numbers"] == 10)
    }

    @Test func limitStopsAMillionRowWalkEarly() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT value FROM numbers(1000000) LIMIT 3").count == 3)
        #expect((db.context.rowsVisited["numbers"] ?? 0) <= 4)
        #expect((db.context.counters["numbers.generated"] ?? 0) <= 4)
    }

    @Test func errorInOpenBecomesSQLError() throws {
        let db = try numbersDatabase()
        let error = #expect(throws: SQLError.self) { try db.query("SELECT * FROM numbers(-1)") }
        #expect(error?.message.contains("numbers: n must be >= 0") == true)
    }

    @Test func errorInNextBecomesSQLError() throws {
        let db = try numbersDatabase()
        let error = #expect(throws: SQLError.self) { try db.query("SELECT value FROM numbers(10, 4)") }
        #expect(error?.message.contains("walk failed at 4") == true)
    }

    @Test func unreadableColumnGivesNullAndAWarning() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT value, unreadable FROM numbers(2)") == [[.integer(1), .null], [.integer(2), .null]])
        let warnings = db.drainWarnings()
        #expect(warnings.count == 2)
        #expect(warnings.first?.contains("numbers.unreadable") == true)
        #expect(warnings.first?.contains("not in the dump") == true)
        #expect(db.drainWarnings().isEmpty)
    }

    @Test func unreadableColumnFailsTheStatementInStrictMode() throws {
        let db = try numbersDatabase(strict: true)
        let error = #expect(throws: SQLError.self) { try db.query("SELECT unreadable FROM numbers(2)") }
        #expect(error?.message.contains("numbers.unreadable") == true)
    }

    @Test func columnsNotAskedForAreNotComputed() throws {
        let db = try numbersDatabase()
        _ = try db.query("SELECT value FROM numbers(5)")
        #expect(db.drainWarnings().isEmpty)  // `unreadable` was never evaluated
    }

    @Test func correlatedArgumentsWorkInJoins() throws {
        let db = try numbersDatabase()
        let rows = try db.query("SELECT a.value, count(*) FROM numbers(3) a JOIN numbers(a.value) b GROUP BY a.value")
        #expect(rows == [[.integer(1), .integer(1)], [.integer(2), .integer(2)], [.integer(3), .integer(3)]])
    }

    @Test func statsTableShowsRowsVisited() throws {
        let db = try numbersDatabase()
        _ = try db.query("SELECT * FROM numbers(7)")
        #expect(try db.query("SELECT value FROM kdsql_stats WHERE name = 'rows_visited.numbers'") == [[.integer(7)]])
        #expect(try db.query("SELECT count(*) FROM kdsql_stats WHERE name = 'cache_hits'") == [[.integer(1)]])
    }

    @Test func aPreparedStatementRescansOnEveryRun() throws {
        let db = try numbersDatabase()
        let statement = try db.prepare("SELECT sum(value) FROM numbers(4)")
        #expect(try statement.rows() == [[.integer(10)]])
        #expect(try statement.rows() == [[.integer(10)]])
        #expect(db.context.rowsVisited["numbers"] == 8)
    }

    @Test func preparingBadSQLThrowsSQLiteMessage() throws {
        let db = try numbersDatabase()
        let error = #expect(throws: SQLError.self) { try db.prepare("SELEC 1") }
        #expect(error?.message == "near \"SELEC\": syntax error")
    }

    @Test func tablesNeedingADumpSayWhatIsMissing() throws {
        let db = try numbersDatabase()
        let error = #expect(throws: SQLError.self) { try db.query("SELECT * FROM vmcoreinfo") }
        #expect(error?.message.contains("no VMCOREINFO") == true)
    }
}
