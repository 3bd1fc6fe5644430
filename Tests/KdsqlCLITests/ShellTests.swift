import Foundation
import Testing
@testable import KdsqlCLI

/// A connection whose tables carry descriptions, as KdsqlDatabase's do.
final class DescribedConnection: QueryConnection {
    let base: MemoryConnection
    var handle: OpaquePointer { base.handle }
    init() throws { base = try MemoryConnection() }
    func drainWarnings() -> [String] { base.drainWarnings() }
    func tableSummaries() -> [TableSummary] {
        [TableSummary(name: "tasks", description: "One row per task", columns: [
            ColumnSummary(name: "pid", type: "INTEGER", description: "process id"),
            ColumnSummary(name: "rss_kb", type: "INTEGER", unit: "kB", description: "resident set size"),
        ])]
    }
}

@Suite("Shell, in process")
struct ShellTests {
    func runShell(_ script: String, connection: (any QueryConnection)? = nil, format: OutputFormat = .csv) throws -> (String, Shell) {
        let capture = try Capture()
        let shell = Shell(connection: try connection ?? MemoryConnection(), library: .builtIn(),
                          settings: ShellSettings(format: format), screen: capture.writer)
        var reader = TextLineReader(script)
        shell.run(&reader)
        return (capture.text(), shell)
    }

    @Test func aStatementOverSeveralLinesRunsWhenComplete() throws {
        let (out, _) = try runShell("SELECT 1\n  AS a\n;\n")
        #expect(out == "a\n1\n")
    }

    @Test func aFinalStatementWithoutSemicolonStillRuns() throws {
        #expect(try runShell("SELECT 2 AS b").0 == "b\n2\n")
    }

    @Test func anErrorIsRecordedAndTheShellGoesOn() throws {
        let (out, shell) = try runShell("SELEC 1;\nSELECT 3 AS c;\n")
        #expect(out == "c\n3\n")
        #expect(shell.hadError)
    }

    @Test func modeAndHeadersChangeLaterOutput() throws {
        let (out, _) = try runShell(".mode jsonl\nSELECT 1 AS a;\n.mode csv\n.headers off\nSELECT 2 AS a;\n")
        #expect(out == "{\"a\":1}\n2\n")
    }

    @Test func quitStopsBeforeTheRest() throws {
        let (out, _) = try runShell("SELECT 1 AS a;\n.quit\nSELECT 2 AS a;\n")
        #expect(out == "a\n1\n")
    }

    @Test func outputSendsResultsToAFileUntilReset() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (out, _) = try runShell(".output \(dir)/r.csv\nSELECT 1 AS a;\n.output\nSELECT 2 AS b;\n")
        #expect(out == "b\n2\n")
        #expect(try String(contentsOfFile: dir + "/r.csv", encoding: .utf8) == "a\n1\n")
    }

    @Test func readRunsTheStatementsAndDotCommandsOfAFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ".mode jsonl\nSELECT 5 AS n;\n".write(toFile: dir + "/s.sql", atomically: true, encoding: .utf8)
        #expect(try runShell(".read \(dir)/s.sql\nSELECT 6 AS n;\n").0 == "{\"n\":5}\n{\"n\":6}\n")
    }

    @Test func schemaShowsColumnsWithTypesUnitsAndDescriptions() throws {
        let (out, _) = try runShell(".schema tasks\n", connection: try DescribedConnection())
        #expect(out == """
            tasks: One row per task
              pid     INTEGER      process id
              rss_kb  INTEGER  kB  resident set size

            """)
    }

    @Test func tablesListsNamesWithDescriptions() throws {
        #expect(try runShell(".tables\n", connection: try DescribedConnection()).0 == "tasks  One row per task\n")
    }

    @Test func aSavedQueryWhoseTablesAreMissingIsAnErrorNotARun() throws {
        let (out, shell) = try runShell(".query ps\n")
        #expect(out == "")
        #expect(shell.hadError)
    }

    @Test func queriesListsTheLibrary() throws {
        let (out, _) = try runShell(".queries\n")
        #expect(out.contains("bash_count"))
        #expect(out.contains("threads_per_process"))
    }

    @Test func timerOnPrintsARunTimeLineAfterEachStatement() throws {
        let (out, _) = try runShell(".timer on\nSELECT 1 AS a;\n")
        #expect(out.hasPrefix("a\n1\nRun Time: real "))
    }
}
