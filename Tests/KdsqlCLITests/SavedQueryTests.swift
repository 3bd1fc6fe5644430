import Foundation
import Testing
@testable import KdsqlCLI

@Suite("Saved queries")
struct SavedQueryTests {
    @Test func theHeaderGivesNameDescriptionAndRequiredTables() throws {
        let query = try SavedQuery.parse("""
            -- name: ps
            -- description: Process list
            -- requires: tasks, sys
            SELECT pid FROM tasks;
            """, origin: "test")
        #expect(query.name == "ps")
        #expect(query.description == "Process list")
        #expect(query.requires == ["tasks", "sys"])
    }

    @Test func withoutANameHeaderTheFileNameIsTheName() throws {
        #expect(try SavedQuery.parse("SELECT 1;", origin: "x.sql", fallbackName: "x").name == "x")
    }

    @Test func aFileWithOnlyAHeaderIsRejected() {
        #expect(throws: SavedQuery.ParseError.noSQL(origin: "e.sql")) {
            try SavedQuery.parse("-- name: e\n-- description: nothing\n", origin: "e.sql")
        }
    }

    @Test func namesWithSpacesAreRejected() {
        #expect(throws: SavedQuery.ParseError.badName("two words", origin: "t")) {
            try SavedQuery.parse("-- name: two words\nSELECT 1;", origin: "t")
        }
    }

    @Test func laterSourcesWinOnNameClashes() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let user = home + "/config/kdsql/queries", extra = home + "/extra"
        try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: true)
        try "-- name: ps\n-- description: user ps\nSELECT 1;\n".write(toFile: user + "/ps.sql", atomically: true, encoding: .utf8)
        try "-- name: zombies\n-- description: user zombies\nSELECT 1;\n".write(toFile: user + "/z.sql", atomically: true, encoding: .utf8)
        try "-- name: ps\n-- description: dir ps\nSELECT 2;\n".write(toFile: extra + "/ps.sql", atomically: true, encoding: .utf8)
        let env = ["XDG_CONFIG_HOME": home + "/config"]
        let library = try QueryLibrary.standard(queriesDir: extra, environment: { env[$0] })
        #expect(library["ps"]?.description == "dir ps")
        #expect(library["zombies"]?.description == "user zombies")
        #expect(library["top_rss"]?.origin.hasPrefix("built-in") == true)
    }

    @Test func theUserDirectoryDefaultsToDotConfig() {
        #expect(QueryLibrary.userDirectory(environment: { $0 == "HOME" ? "/home/k" : nil }) == "/home/k/.config/kdsql/queries")
        #expect(QueryLibrary.userDirectory(environment: { $0 == "XDG_CONFIG_HOME" ? "/x" : "/home/k" }) == "/x/kdsql/queries")
    }

    @Test func aMissingQueriesDirIsAnArgumentError() {
        #expect(throws: CLIError.self) { try QueryLibrary.standard(queriesDir: "/nonexistent/kdsql", environment: { _ in nil }) }
        let error = CLIError.cannotReadFile(path: "/nonexistent/kdsql", reason: "")
        #expect(error.exitStatus == 2)
    }

    @Test func aBrokenFileIsSkippedWithAProblemReported() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "-- name: empty\n".write(toFile: dir + "/empty.sql", atomically: true, encoding: .utf8)
        var library = QueryLibrary()
        library.addDirectory(dir)
        #expect(library["empty"] == nil)
        #expect(library.problems.count == 1)
    }
}
