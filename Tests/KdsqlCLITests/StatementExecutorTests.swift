import KdsqlSQL
import Testing
@testable import KdsqlCLI

@Suite("Running statements")
struct StatementExecutorTests {
    @Test func everyStatementOfAMultiStatementStringRunsInOrder() throws {
        let text = try render("CREATE TABLE t(a); INSERT INTO t VALUES (1),(2); SELECT a FROM t; SELECT count(*) AS n FROM t;",
                              format: .csv)
        #expect(text == "a\n1\n2\nn\n2\n")
    }

    @Test func commentsAndBlankTailsAreNotStatements() throws {
        #expect(try render("SELECT 1 AS a; -- done\n  ", format: .csv) == "a\n1\n")
    }

    @Test func aSyntaxErrorCarriesItsOffsetIntoTheWholeText() throws {
        let sql = "SELECT 1;\nSELECT * FRM t"
        #expect(throws: SQLError(code: 1, message: "near \"FRM\": syntax error", sql: sql, offset: 19)) {
            try render(sql, format: .csv)
        }
    }

    @Test func statementsBeforeAnErrorHaveRunAndTheRestHaveNot() throws {
        let capture = try Capture()
        #expect(throws: SQLError.self) {
            try StatementExecutor(database: try KdsqlDatabase(), settings: OutputSettings(format: .csv))
                .run("SELECT 1 AS a; SELECT nope; SELECT 3 AS c", into: capture.writer)
        }
        #expect(capture.text() == "a\n1\n")
    }

    @Test func shellErrorsPutACaretUnderTheOffendingSpot() {
        let error = SQLError(code: 1, message: "near \"FRM\": syntax error", sql: "SELECT 1;\nSELECT * FRM t", offset: 19)
        #expect(error.shellDescription == """
            Error: near "FRM": syntax error
              SELECT * FRM t
                       ^--- error here
            """)
    }

    @Test func oneShotErrorsAreOneLineWithLineAndColumn() {
        let error = SQLError(code: 1, message: "near \"FRM\": syntax error", sql: "SELECT 1;\nSELECT * FRM t", offset: 19)
        #expect(error.oneLineDescription == "near \"FRM\": syntax error (line 2, column 10)")
    }

    @Test func aParameterWithoutAValueIsAnErrorNotANull() throws {
        #expect(throws: SQLError.self) { try render("SELECT :pid AS p", format: .csv) }
    }

    @Test func parametersAreBoundByName() throws {
        let capture = try Capture()
        var executor = StatementExecutor(database: try KdsqlDatabase(), settings: OutputSettings(format: .csv))
        executor.parameters = ["pid": .integer(212), "name": .text("bash")]
        try executor.run("SELECT :pid AS p, @name AS n, $pid + 1 AS q", into: capture.writer)
        #expect(capture.text() == "p,n,q\n212,bash,213\n")
    }
}
