import Testing
@testable import KdsqlCLI

@Suite("Running statements")
struct StatementRunnerTests {
    @Test func everyStatementOfAMultiStatementStringRunsInOrder() throws {
        let text = try render("CREATE TABLE t(a); INSERT INTO t VALUES (1),(2); SELECT a FROM t; SELECT count(*) AS n FROM t;",
                              format: .csv)
        #expect(text == "a\n1\n2\nn\n2\n")
    }

    @Test func commentsAndBlankTailsAreNotStatements() throws {
        #expect(try render("SELECT 1 AS a; -- done\n  ", format: .csv) == "a\n1\n")
    }

    @Test func aSyntaxErrorCarriesItsOffsetIntoTheWholeText() throws {
        let connection = try MemoryConnection()
        let sql = "SELECT 1;\nSELECT * FRM t"
        #expect(throws: StatementError(message: "near \"FRM\": syntax error", sql: sql, offset: 19)) {
            try StatementRunner(db: connection.handle).run(sql, format: .csv, headers: true, into: try Capture().writer)
        }
    }

    @Test func statementsBeforeAnErrorHaveRunAndTheRestHaveNot() throws {
        let connection = try MemoryConnection()
        let capture = try Capture()
        #expect(throws: StatementError.self) {
            try StatementRunner(db: connection.handle).run("SELECT 1 AS a; SELECT nope; SELECT 3 AS c", format: .csv,
                                                          headers: true, into: capture.writer)
        }
        #expect(capture.text() == "a\n1\n")
    }

    @Test func shellErrorsPutACaretUnderTheOffendingSpot() {
        let error = StatementError(message: "near \"FRM\": syntax error", sql: "SELECT 1;\nSELECT * FRM t", offset: 19)
        #expect(error.shellDescription == """
            Error: near "FRM": syntax error
              SELECT * FRM t
                       ^--- error here
            """)
    }

    @Test func oneShotErrorsAreOneLineWithLineAndColumn() {
        let error = StatementError(message: "near \"FRM\": syntax error", sql: "SELECT 1;\nSELECT * FRM t", offset: 19)
        #expect(error.oneLineDescription == "near \"FRM\": syntax error (line 2, column 10)")
    }
}
