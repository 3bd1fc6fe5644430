import Foundation
import Testing
import FixtureSupport

/// User-defined tables as a user meets them: `--tables FILE_OR_DIR`,
/// `$XDG_CONFIG_HOME/kdsql/tables/`, `.schema`, `--table-reference`, and
/// the loadable extension's `KDSQL_TABLES`.
@Suite struct UserTableFilesTests {
    static let modules = """
        table my_modules "Loaded modules" {
            source list_head "modules" of "module" via "list";
            column name   TEXT    from "name"           "Module name";
            column refcnt INTEGER from "refcnt.counter" "Reference count";
        }

        """
    static let bad = """
        table bad "x" {
            source list_head "init_task.tasks" of "task_struct" via "tasks";
            column pid INTEGER from "pidd" "typo";
        }

        """

    var dump: String { get throws { try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump") } }

    func write(_ text: String, _ name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aBadDefinitionIsNamedWithFileLineColumnAndEverythingElseLoads() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = try write(Self.bad, "bad.kdt", in: dir)
        let good = try write(Self.modules, "good.kdt", in: dir)
        let result = try KdsqlBinary.run(["--tables", bad, "--tables", good, try dump,
                                          "-c", "SELECT count(*) > 100 FROM tasks", "-c", "SELECT count(*) FROM my_modules"])
        #expect(result.status == 0)
        #expect(result.stderr == "kdsql: warning: table definition not loaded: \(bad):3:29: column 'pid' of table 'bad': task_struct has no member 'pidd'\n")
        let modules = try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv").count
        #expect(result.stdout == "count(*) > 100\n1\ncount(*)\n\(modules)\n")
    }

    @Test func tablesInTheConfigDirectoryAreLoaded() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        _ = try write(Self.modules, "config/kdsql/tables/modules.kdt", in: home)
        let result = try KdsqlBinary.run([try dump, "SELECT name FROM my_modules ORDER BY name LIMIT 1"], home: home)
        #expect(result.status == 0 && result.stderr == "")
        let first = try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv").compactMap { $0["name"] }.sorted().first ?? "?"
        #expect(result.stdout == "name\n\(first)\n")
    }

    @Test func schemaShowsAUserTableWithItsDescriptions() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try write(Self.modules, "m.kdt", in: dir)
        let result = try KdsqlBinary.run(["--tables", file, try dump], input: ".schema my_modules\n")
        #expect(result.stdout.contains("my_modules: Loaded modules"))
        #expect(result.stdout.contains("refcnt   INTEGER           Reference count"))
        #expect(result.stdout.contains("address  INTEGER  address  Address of the module the row describes"))
    }

    @Test func theTableReferenceIncludesTablesGivenWithTables() throws {
        let result = try KdsqlBinary.run(["--tables", packageRoot + "/Examples/tables", "--table-reference"])
        #expect(result.status == 0)
        for table in ["kmem_caches", "superblocks", "cpu_run_queues"] {
            #expect(result.stdout.contains("\n### \(table)\n"), "\(table)")
        }
    }

    @Test func theExtensionLoadsTablesFromKDSQLTables() throws {
        let library = ExtensionTests.library
        guard FileManager.default.fileExists(atPath: library) else {
            throw ExtensionTests.Missing(what: "\(library): build it with `swift build --product kdsqlext`")
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try write(Self.modules, "m.kdt", in: dir)
        let result = try runProcess("/usr/bin/sqlite3", [":memory:", "-cmd", ".load \(ExtensionTests.libraryStem)",
                                                         "SELECT count(*) FROM my_modules;"],
                                    environment: ["KDSQL_DUMP": try dump, "KDSQL_TABLES": file, "HOME": dir, "PATH": "/usr/bin:/bin"])
        let modules = try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv").count
        #expect(result.stderr == "")
        #expect(result.stdout == "\(modules)\n")
    }
}
