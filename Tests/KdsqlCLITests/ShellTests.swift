import Foundation
import KdsqlSQL
import Testing
@testable import KdsqlCLI

@Suite("Shell, in process")
struct ShellTests {
    func runShell(_ script: String, database: KdsqlDatabase? = nil, format: OutputFormat = .csv) throws -> (String, Shell) {
        let capture = try Capture()
        let shell = Shell(database: try database ?? KdsqlDatabase(), library: .builtIn(),
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

    /// `.schema` prints the table's definition (Grammar/tables/sys.kdt).
    @Test func schemaShowsColumnsWithTypesUnitsAndDescriptions() throws {
        let (out, _) = try runShell(".schema kdsql_stats\n")
        #expect(out == """
            kdsql_stats: kdsql's own counters: page cache behaviour and rows each table visited.
              name   TEXT       Counter name: cache_hits, cache_misses, ..., rows_visited.<table>
              value  INTEGER    Current value of the counter

            """)
    }

    @Test func tablesListsTheDumpsTablesAndTheUsersOwn() throws {
        let (out, _) = try runShell("CREATE TABLE mine(a);\n.tables\n")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.contains("mine"))
        #expect(lines.contains { $0.hasPrefix("tasks ") && $0.hasSuffix("like crash's `ps`.") })
    }

    @Test func aSavedQueryOnAConnectionWithoutADumpIsAnErrorNotARun() throws {
        let (out, shell) = try runShell(".query ps\n")
        // The header is written before the first row is asked for; no row follows.
        #expect(out == "active,pid,ppid,cpu,task,state,mem_pct,vsz_kb,rss_kb,comm\n")
        #expect(shell.hadError)
    }

    @Test func onceSendsOnlyTheNextEntryToAFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (out, _) = try runShell(".once '\(dir)/one file.csv'\nSELECT 1 AS a;\nSELECT 2 AS b;\n")
        #expect(out == "b\n2\n")
        #expect(try String(contentsOfFile: dir + "/one file.csv", encoding: .utf8) == "a\n1\n")
    }

    @Test func onceAlsoCatchesTheOutputOfADotCommand() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (out, _) = try runShell(".once \(dir)/mode.txt\n.mode\n.mode\n")
        #expect(out == "current output mode: csv\n")
        #expect(try String(contentsOfFile: dir + "/mode.txt", encoding: .utf8) == "current output mode: csv\n")
    }

    @Test func modeAndHeadersWithoutAnArgumentShowTheSetting() throws {
        let (out, _) = try runShell(".mode\n.headers off\n.headers\n", format: .jsonl)
        #expect(out == "current output mode: jsonl\nheaders: off\n")
    }

    @Test func parameterSetBindsLaterStatementsAndListShowsIt() throws {
        let (out, shell) = try runShell(".parameter set :pid 200+12\n.parameter set @who 'bash'\nSELECT :pid AS p, @who AS w;\n.parameter list\n")
        #expect(!shell.hadError)
        #expect(out == "p,w\n212,bash\n:pid  212\n:who  'bash'\n")
    }

    @Test func parameterClearForgetsEveryValue() throws {
        let (out, shell) = try runShell(".parameter set :pid 1\n.parameter clear\nSELECT :pid AS p;\n.parameter list\n")
        #expect(out == "")
        #expect(shell.hadError)
    }

    @Test func showListsEverySetting() throws {
        let (out, _) = try runShell(".bail on\n.timer off\n.show\n")
        #expect(out == """
                  bail: on
               headers: on
                   hex: off
                  mode: csv
                output: stdout
            parameters: none
                 timer: off

            """)
    }

    @Test func bailOnStopsAtTheFirstError() throws {
        let (out, shell) = try runShell(".bail on\nSELECT nope;\nSELECT 1 AS a;\n")
        #expect(out == "")
        #expect(shell.hadError)
    }

    @Test func exitGivesItsStatus() throws {
        let capture = try Capture()
        let shell = Shell(database: try KdsqlDatabase(), library: .builtIn(), settings: ShellSettings(format: .csv), screen: capture.writer)
        var reader = TextLineReader("SELECT 1 AS a;\n.exit 3\nSELECT 2 AS b;\n")
        #expect(shell.run(&reader) == .exit(3))
        #expect(capture.text() == "a\n1\n")
    }

    @Test func aSavedQueryTakesItsParameterFromTheShell() throws {
        let (out, shell) = try runShell(".parameter set :count 2\n.query log\n", database: try sampleDatabase())
        #expect(!shell.hadError)
        let log = try sampleDatabase().query("SELECT line FROM log ORDER BY seq DESC LIMIT 2").reversed().compactMap { $0.first?.string }
        #expect(out == "line\n" + log.map { CSVFormatter.quoted($0) + "\n" }.joined())
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
