import Foundation
import FixtureSupport
import KdsqlSQL
import Testing
@testable import KdsqlCLI

/// The saved queries shipped in Queries/, run on every fixture dump.
@Suite("Shipped queries")
struct ShippedQueriesTests {
    static let expectedNames = ["bash_count", "blocked_in", "bt", "cgroups", "dev", "files", "foreach_bt", "fuser", "ipcs", "irq", "kmem_i",
                                "kmem_s", "log", "mod", "mount", "net", "ps", "runq", "sig", "swap", "sys", "taint", "tasks_by_state",
                                "threads_per_process", "timer", "top_rss", "uninterruptible", "vm", "zombies"]
    /// The fixture sets every query runs on: the ones `make test` provides
    /// (Makefile FIXTURE_SETS); a missing one fails. KDSQL_TEST_SETS (comma
    /// separated) names others to include, e.g. the 6.12 sets.
    static let sets: [String] = [Fixtures.sysrq, Fixtures.oops]
        + (ProcessInfo.processInfo.environment["KDSQL_TEST_SETS"]?.split(separator: ",").map(String.init) ?? [])

    /// The set's kdump-compressed zlib dump (makedumpfile -d 31 on 6.1, -d 23 on 6.10+).
    static func dumpFile(_ directory: String) -> String? {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            .first { $0.hasPrefix("vmcore-") && $0.hasSuffix("-zlib.kdump") }
    }

    static func open(_ set: String) throws -> KdsqlDatabase {
        let directory = try #require(Fixtures.directory(set), "fixture set \(set) not found")
        let dump = try #require(dumpFile(directory), "no vmcore-*-zlib.kdump in \(directory)")
        return try DumpOpener.open(OpenRequest(dumpPath: directory + "/" + dump))
    }

    /// Runs a saved query as `-q NAME --param ...` does; returns its rows as CSV lines.
    static func run(_ name: String, on database: KdsqlDatabase, given: [String: String] = [:]) throws -> [String] {
        let query = try #require(QueryLibrary.builtIn()[name])
        let capture = try Capture()
        var executor = StatementExecutor(database: database, settings: OutputSettings(format: .csv, headers: false))
        executor.parameters = try QueryParameters.resolve(query, given: given.mapValues(SQLValue.text), on: database)
        try executor.run(query.sql, into: capture.writer)
        return capture.text().split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Rows of `sql` as the CSV lines the same formatter writes.
    static func csv(_ sql: String, on database: KdsqlDatabase) throws -> [String] {
        try render(sql, format: .csv, headers: false, on: database)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func embeddedQueriesAreTheQueriesFolder() throws {
        let dir = packageRoot + "/Queries"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sql") }.sorted()
        let onDisk = try names.map { ($0, try String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) }
        #expect(EmbeddedQueries.files.map(\.name) == onDisk.map(\.0))
        for (b, d) in zip(EmbeddedQueries.files, onDisk) { #expect(b.text == d.1, "\(b.name)") }
    }

    @Test func everyShippedQueryParsesWithADescription() {
        let library = QueryLibrary.builtIn()
        #expect(library.problems.isEmpty)
        #expect(library.queries.map(\.name) == Self.expectedNames)
        #expect(library.queries.allSatisfy { !$0.description.isEmpty && !$0.requires.isEmpty })
    }

    @Test(arguments: sets)
    func everyShippedQueryRunsOnTheDump(set: String) throws {
        let database = try Self.open(set)
        for query in QueryLibrary.builtIn().queries {
            #expect(throws: Never.self, "\(query.name) on \(set)") { _ = try Self.run(query.name, on: database) }
            #expect(database.drainWarnings().count < 50, "\(query.name)")
        }
    }

    @Test(arguments: sets)
    func btWithoutAPidShowsThePanickingTask(set: String) throws {
        let database = try Self.open(set)
        let pid = try PanicFacts(set).panicPid()
        let rows = try Self.run("bt", on: database)
        #expect(!rows.isEmpty)
        #expect(rows == (try Self.run("bt", on: database, given: ["pid": String(pid)])))
        let expected = try Self.csv("""
            SELECT count(*) FROM stack_frames WHERE task = (SELECT task FROM panic)
            """, on: database)
        #expect(expected == [String(rows.count)])
    }

    @Test(arguments: sets)
    func btWithAPidShowsThatTasksFrames(set: String) throws {
        let database = try Self.open(set)
        let pid = try PanicFacts(set).sleepingUserPid()
        let rows = try Self.run("bt", on: database, given: ["pid": String(pid)])
        let frames = try Self.csv("SELECT frame, symbol FROM stack_frames WHERE pid = \(pid) ORDER BY frame", on: database)
        #expect(!rows.isEmpty)
        #expect(rows.map { $0.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { [0, 3].contains($0.offset) }.map(\.element).joined(separator: ",") } == frames)
    }

    @Test func aParameterThatIsNotANumberIsRefused() throws {
        let database = try sampleDatabase()
        #expect(throws: CLIError.badParameter("saved query 'bt': parameter pid is an INTEGER, got 'bash'")) {
            _ = try Self.run("bt", on: database, given: ["pid": "bash"])
        }
    }

    @Test(arguments: sets)
    func logWithACountShowsTheLastRecords(set: String) throws {
        let database = try Self.open(set)
        let last = try Self.csv("SELECT line FROM (SELECT seq, line FROM log ORDER BY seq DESC LIMIT 5) ORDER BY seq", on: database)
        #expect(last.count == 5)
        #expect(try Self.run("log", on: database, given: ["count": "5"]) == last)
        #expect(try Self.run("log", on: database) == (try Self.csv("SELECT line FROM log ORDER BY seq", on: database)))
    }

    @Test(arguments: sets)
    func modListsTheModulesOfTruth(set: String) throws {
        let database = try Self.open(set)
        let truth = Set(try Fixtures.truthCSV(set, "modules.csv").compactMap { $0["name"] })
        let names = Set(try Self.run("mod", on: database).map { String($0.split(separator: ",")[1]) })
        // The oops set loads its crashing module after truth was recorded.
        #expect(truth.isSubset(of: names))
        #expect(names.count <= truth.count + 1)
    }

    @Test(arguments: sets)
    func filesDefaultsToThePanickingProcess(set: String) throws {
        let database = try Self.open(set)
        let expected = try Self.csv("""
            SELECT fd, file, dentry, inode, type, path FROM files
            WHERE pid = (SELECT tgid FROM tasks WHERE task = (SELECT task FROM panic)) ORDER BY fd
            """, on: database)
        #expect(!expected.isEmpty)
        #expect(try Self.run("files", on: database) == expected)
    }

    @Test func psMarksActiveTasksAndBracketsKernelThreads() throws {
        let rows = try Self.run("ps", on: try sampleDatabase())
        #expect(rows.contains { $0.hasPrefix(">,") && $0.hasSuffix(",[swapper/0]") || $0.hasPrefix(">,") && $0.hasSuffix(",bash") })
        #expect(rows.contains { $0.hasPrefix("\"\",2,0,") && $0.hasSuffix(",[kthreadd]") })
    }
}
