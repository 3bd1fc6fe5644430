import Foundation
import Testing
import FixtureSupport
@testable import KdsqlCLI

/// The built `kdsql` binary, run as an engineer would.
@Suite("kdsql command line")
struct CommandLineTests {
    let dump = KdsqlBinary.anyDump

    @Test func aQueryPrintsCSVWhenOutputIsNotATerminal() throws {
        let result = try KdsqlBinary.run([dump, "-c", "SELECT 1 AS a, 'x' AS b"])
        #expect(result.status == 0)
        #expect(result.stdout == "a,b\n1,x\n")
        #expect(result.stderr == "")
    }

    @Test func repeatedCommandsAndThePositionalSQLRunInOrder() throws {
        let result = try KdsqlBinary.run([dump, "-c", "SELECT 1 AS a", "-c", "SELECT 2 AS b; SELECT 3 AS c", "SELECT 4 AS d"])
        #expect(result.stdout == "a\n1\nb\n2\nc\n3\nd\n4\n")
    }

    @Test func badSQLExitsOneWithOneLineOnStderr() throws {
        let result = try KdsqlBinary.run([dump, "SELECT * FRM tasks"])
        #expect(result.status == 1)
        #expect(result.stderr == "kdsql: near \"FRM\": syntax error (line 1, column 10)\n")
    }

    @Test func aMissingDumpExitsTwoWithTheReason() throws {
        let result = try KdsqlBinary.run(["/nonexistent/vmcore", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.hasPrefix("kdsql: cannot open DUMP: cannot open /nonexistent/vmcore: No such file or directory"))
    }

    @Test func anUnknownFlagExitsTwoWithOneLine() throws {
        let result = try KdsqlBinary.run(["--bogus", dump])
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.hasPrefix("kdsql: Unknown option '--bogus'"))
    }

    @Test func noDumpAtAllExitsTwo() throws {
        let result = try KdsqlBinary.run([])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("kdsql: missing DUMP"))
    }

    @Test func anUnknownFormatExitsTwo() throws {
        let result = try KdsqlBinary.run([dump, "--format", "xml", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1)
    }

    @Test func queriesListsEveryShippedQueryWithoutADump() throws {
        let result = try KdsqlBinary.run(["queries"])
        #expect(result.status == 0)
        let names = result.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        #expect(names == ShippedQueriesTests.expectedNames)
        #expect(result.stdout.contains("How many tasks are bash"))
    }

    @Test func aSavedQueryNeedingAbsentTablesExitsOne() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "-- name: needs\n-- description: needs a table no dump has\n-- requires: no_such_table\nSELECT 1;\n"
            .write(toFile: dir + "/needs.sql", atomically: true, encoding: .utf8)
        let result = try KdsqlBinary.run(["--queries-dir", dir, dump, "-q", "needs"])
        #expect(result.status == 1)
        #expect(result.stderr == "kdsql: saved query 'needs' needs table no_such_table, which this dump does not provide\n")
    }

    @Test func theShippedPsQueryRunsOnARealDump() throws {
        let result = try KdsqlBinary.run([dump, "-q", "ps", "--format", "csv"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").filter { $0.hasSuffix(",bash") }.count == (try TaskTruth.sample().bashAtCrash))
    }

    @Test func anUnknownSavedQueryExitsTwo() throws {
        let result = try KdsqlBinary.run([dump, "-q", "nope"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no saved query named 'nope'"))
    }

    @Test func aQueryFromQueriesDirRuns() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "-- name: answer\n-- description: the answer\nSELECT 42 AS answer;\n".write(toFile: dir + "/answer.sql", atomically: true, encoding: .utf8)
        let result = try KdsqlBinary.run(["--queries-dir", dir, dump, "-q", "answer"])
        #expect(result.stdout == "answer\n42\n")
    }

    @Test func fileAndOutputOptionsReadAndWriteFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "SELECT 1 AS a;\nSELECT 2 AS b;\n".write(toFile: dir + "/q.sql", atomically: true, encoding: .utf8)
        let result = try KdsqlBinary.run([dump, "-f", dir + "/q.sql", "-o", dir + "/out.json", "--format", "jsonl"])
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(try String(contentsOfFile: dir + "/out.json", encoding: .utf8) == "{\"a\":1}\n{\"b\":2}\n")
    }

    @Test func anUnreadableSQLFileExitsTwo() throws {
        let result = try KdsqlBinary.run([dump, "-f", "/nonexistent/q.sql"])
        #expect(result.status == 2)
        #expect(result.stderr == "kdsql: cannot read /nonexistent/q.sql: No such file or directory\n")
    }

    /// `kdsql --sample` alone is the README's demo: the sys header, then the
    /// seed question answered from the bundled dump (41 bash, its truth + the crasher).
    @Test func sampleAloneRunsTheSeedInvestigation() throws {
        let result = try KdsqlBinary.run(["--sample", "--format", "table"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("NODENAME: kdsql-fixture"))
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.suffix(3) == ["bash_tasks", "----------", "41"])
    }

    /// Piped, `--sample` writes CSV like any dump, and no banner.
    @Test func samplePipedUsesTheSameDefaultsAsADump() throws {
        let result = try KdsqlBinary.run(["--sample"])
        #expect(result.status == 0)
        #expect(result.stdout == "bash_tasks\n41\n")
    }

    @Test func commandsFilesAndQueriesRunInTheOrderGiven() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "-- name: answer\n-- description: the answer\nSELECT 42 AS answer;\n".write(toFile: dir + "/answer.sql", atomically: true, encoding: .utf8)
        try "SELECT 'file' AS f;\n".write(toFile: dir + "/f.sql", atomically: true, encoding: .utf8)
        let result = try KdsqlBinary.run(["--queries-dir", dir, dump, "-q", "answer", "-c", "SELECT 1 AS c", "-f", dir + "/f.sql",
                                          "--command=SELECT 2 AS d"])
        #expect(result.stdout == "answer\n42\nc\n1\nf\nfile\nd\n2\n")
    }

    @Test func aFileMayHoldDotCommands() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ".mode jsonl\nSELECT 1 AS a;\n.headers off\n.mode csv\nSELECT 2 AS b;\n".write(toFile: dir + "/s.sql", atomically: true, encoding: .utf8)
        let result = try KdsqlBinary.run([dump, "-f", dir + "/s.sql"])
        #expect(result.status == 0)
        #expect(result.stdout == "{\"a\":1}\n2\n")
    }

    @Test func helpWithASubcommandShowsItsHelp() throws {
        let result = try KdsqlBinary.run(["help", "queries"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: kdsql queries"))
        #expect(try KdsqlBinary.run(["help"]).stdout.contains("USAGE: kdsql"))
    }

    @Test func aNegativeCacheSizeSaysWhatIsExpected() throws {
        for args in [["--cache-mb", "-5"], ["--cache-mb=-5"], ["--cache-mb", "0"]] {
            let result = try KdsqlBinary.run(args + [dump, "SELECT 1"])
            #expect(result.status == 2)
            #expect(result.stderr.hasPrefix("kdsql: --cache-mb needs a positive number of MiB"), "\(args)")
        }
    }

    @Test func anUnreadableSystemMapIsNamedInTheError() throws {
        let result = try KdsqlBinary.run([dump, "-m", "/nonexistent/System.map", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderr == "kdsql: cannot use System.map /nonexistent/System.map: No such file or directory\n")
    }

    @Test func aSystemMapOfAnotherBuildIsNamedInTheError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "ffffffff81000000 T _text\nffffffff81000010 T startup_64\n".write(toFile: dir + "/System.map", atomically: true, encoding: .utf8)
        let result = try KdsqlBinary.run([dump, "-m", dir + "/System.map", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("kdsql: cannot use System.map \(dir)/System.map: "), "\(result.stderr)")
    }

    @Test func btTakesAPidAsAParameter() throws {
        let pid = try #require(try KdsqlBinary.run([dump, "-c", "SELECT pid FROM tasks WHERE comm = 'init'"]).stdout
            .split(separator: "\n").last.map(String.init))
        let result = try KdsqlBinary.run([dump, "-q", "bt", "--param", "pid=\(pid)", "--format", "csv"])
        let direct = try KdsqlBinary.run([dump, "-c", "SELECT count(*) FROM stack_frames WHERE pid = \(pid)"])
        #expect(result.status == 0)
        #expect(direct.stdout == "count(*)\n\(result.stdout.split(separator: "\n").count - 1)\n")
    }

    @Test func aSavedQueryParameterWithoutValueOrDefaultIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "-- name: one\n-- description: one task\n-- param: pid INTEGER\nSELECT :pid AS p;\n".write(toFile: dir + "/one.sql", atomically: true, encoding: .utf8)
        let missing = try KdsqlBinary.run(["--queries-dir", dir, dump, "-q", "one"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("kdsql: saved query 'one' needs parameter :pid"))
        let given = try KdsqlBinary.run(["--queries-dir", dir, dump, "-q", "one", "--param", "pid=0x10"])
        #expect(given.stdout == "p\n16\n")
    }

    @Test func aParameterNoStatementReadsIsWarnedAbout() throws {
        let misspelt = try KdsqlBinary.run([dump, "-c", "SELECT :pid AS p", "--param", "pdi=1"])
        #expect(misspelt.stderr.contains("kdsql: warning: --param pdi is not used by any statement or saved query given"), "\(misspelt.stderr)")
        let used = try KdsqlBinary.run([dump, "--format", "csv", "-c", "SELECT :pid AS p", "--param", "pid=1"])
        #expect(used.status == 0)
        #expect(used.stdout == "p\n1\n")
        #expect(!used.stderr.contains("--param"), "\(used.stderr)")
        let declared = try KdsqlBinary.run([dump, "-q", "bt", "--param", "pid=1", "--format", "csv"])
        #expect(!declared.stderr.contains("--param"), "\(declared.stderr)")
    }

    @Test func sampleTakesTheSQLInsteadOfADump() throws {
        let result = try KdsqlBinary.run(["--sample", "--format", "csv", "SELECT nodename FROM sys"])
        #expect(result.status == 0)
        #expect(result.stdout == "nodename\nkdsql-fixture\n")
    }

    /// The second row comes only after a billion steps; without a flush
    /// after the first row, the reader would see nothing before `timeout`
    /// kills the walk (a killed process never flushes its buffer). SIGKILL,
    /// because the test runner leaves signals blocked in its children.
    @Test func theFirstRowArrivesBeforeALongQueryEnds() throws {
        let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c WHERE x % 1000000000 = 1"
        let result = try runProcess("/bin/sh", ["-c", "timeout -s KILL 3 \"$0\" \"$1\" --format csv \"$2\" | head -c 4",
                                                KdsqlBinary.path, dump, sql])
        #expect(result.stdout == "x\n1\n")
    }

    @Test func helpPrintsTheUsageAndExitsZero() throws {
        let result = try KdsqlBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: kdsql"))
        #expect(result.stdout.contains("--system-map"))
    }

    /// The README's table reference is generated from the definitions.
    @Test func tableReferenceListsEveryTableWithoutADump() throws {
        let result = try KdsqlBinary.run(["--table-reference"])
        #expect(result.status == 0)
        for table in ["sys", "tasks", "log", "panic", "taint", "symbols", "vmcoreinfo"] {
            #expect(result.stdout.contains("### \(table)\n"), "\(table)")
        }
    }

    /// `--progress` shows the line even when stderr is not a terminal, and
    /// erases it (`\r` + clear to end of line) before the result.
    @Test func progressShowsALineOnStderrWhenAsked() throws {
        let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000000) SELECT count(*) AS n FROM c"
        let shown = try KdsqlBinary.run([dump, "--progress", sql])
        #expect(shown.stdout == "n\n6000000\n")
        #expect(shown.stderr.contains("rows visited"))
        #expect(shown.stderr.hasSuffix("\r\u{1b}[K"))
        let quiet = try KdsqlBinary.run([dump, "--no-progress", "SELECT 1 AS n"])
        #expect(quiet.stderr == "")
    }
}
