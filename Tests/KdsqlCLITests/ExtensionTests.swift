import Foundation
import FixtureSupport
import Testing

/// The loadable extension (`libkdsqlext.so`, built by `swift build --product
/// kdsqlext`; `make test` builds it first) in the SQLite clients people
/// already use: Debian's sqlite3 shell, Python's sqlite3 module, Datasette.
@Suite("Loadable extension", .serialized)
struct ExtensionTests {
    /// The built extension beside the built kdsql.
    static var library: String {
        URL(fileURLWithPath: KdsqlBinary.path).deletingLastPathComponent().appendingPathComponent("libkdsqlext.so").path
    }
    /// Without the `.so` suffix, as `.load` and load_extension are usually given it.
    static var libraryStem: String { String(library.dropLast(3)) }
    let dump = KdsqlBinary.anyDump
    /// The seed question's answer on the sample: its truth's bash tasks plus the crasher.
    var bash: Int { (try? TaskTruth.sample().bashAtCrash) ?? -1 }

    struct Missing: Error, CustomStringConvertible {
        var what: String
        var description: String { "missing \(what)" }
    }

    func requireLibrary() throws {
        guard FileManager.default.fileExists(atPath: Self.library) else {
            throw Missing(what: "\(Self.library): build it with `swift build --product kdsqlext`")
        }
    }

    @Test func theSqlite3ShellLoadsItAndOpensADumpWithKdsqlOpen() throws {
        try requireLibrary()
        let result = try runProcess("/usr/bin/sqlite3", [":memory:", "-cmd", ".load \(Self.libraryStem)",
                                                         "SELECT kdsql_open('\(dump)') IS NOT NULL;",
                                                         "SELECT count(*) FROM tasks WHERE comm = 'bash';"])
        #expect(result.stderr == "")
        #expect(result.stdout == "1\n\(bash)\n")
    }

    @Test func pythonsSqlite3ModuleLoadsItAndOpensTheDumpFromTheEnvironment() throws {
        try requireLibrary()
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(":memory:")
            c.enable_load_extension(True)
            c.load_extension(sys.argv[1])
            print(c.execute("SELECT count(*) FROM tasks WHERE comm = 'bash'").fetchone()[0])
            print(c.execute("SELECT name FROM pragma_function_list WHERE name = 'kd_symbol'").fetchone()[0])
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, Self.libraryStem],
                                    environment: ["KDSQL_DUMP": dump, "PATH": "/usr/bin:/bin"])
        #expect(result.stderr == "")
        #expect(result.stdout == "\(bash)\nkd_symbol\n")
    }

    @Test func kdsqlOpenNamesTheFileItCannotOpen() throws {
        try requireLibrary()
        let result = try runProcess("/usr/bin/sqlite3", [":memory:", "-cmd", ".load \(Self.libraryStem)",
                                                         "SELECT kdsql_open('/nonexistent/vmcore');"])
        #expect(result.stderr.contains("kdsql_open(): cannot open /nonexistent/vmcore: No such file or directory"))
    }

    @Test func kdsqlOpensFourthArgumentIsTheModulesDirectory() throws {
        try requireLibrary()
        let sysrq = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let modules = try Fixtures.debugModulesDirectory(release: Fixtures.sysrqRelease)
        let result = try runProcess("/usr/bin/sqlite3", [":memory:", "-cmd", ".load \(Self.libraryStem)",
                                                         "SELECT kdsql_open('\(sysrq)', NULL, NULL, '\(modules)') IS NOT NULL;",
                                                         "SELECT debug_file FROM modules WHERE name = 'dummy';"])
        #expect(result.stderr == "")
        #expect(result.stdout == "1\n\(modules)/kernel/drivers/net/dummy.ko\n")
        let missing = try runProcess("/usr/bin/sqlite3", [":memory:", "-cmd", ".load \(Self.libraryStem)",
                                                          "SELECT kdsql_open('\(sysrq)', NULL, NULL, '/nonexistent/modules');"])
        #expect(missing.stderr.contains("kdsql_open(): modules directory /nonexistent/modules: No such file or directory"),
                "\(missing.stderr)")
    }

    @Test func aKDSQLDumpThatCannotBeOpenedFailsTheLoadWithOneLine() throws {
        try requireLibrary()
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(":memory:")
            c.enable_load_extension(True)
            try:
                c.load_extension(sys.argv[1])
            except sqlite3.OperationalError as e:
                print(e)
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, Self.libraryStem],
                                    environment: ["KDSQL_DUMP": "/nonexistent/vmcore", "PATH": "/usr/bin:/bin"])
        // SQLite puts "error during initialization: " before the extension's message.
        #expect(result.stdout == "error during initialization: kdsql: KDSQL_DUMP: cannot open /nonexistent/vmcore: No such file or directory\n")
    }

    @Test func aTableQueriedBeforeADumpIsOpenSaysSo() throws {
        try requireLibrary()
        let result = try runProcess("/usr/bin/sqlite3", [":memory:", "-cmd", ".load \(Self.libraryStem)", "SELECT count(*) FROM tasks;"])
        #expect(result.stderr.contains("no kernel dump is open"))
    }

    /// The README's Datasette recipe: `KDSQL_DUMP=DUMP datasette serve --memory
    /// --load-extension=libkdsqlext`, asked for JSON over HTTP. Datasette comes
    /// from PyPI into ~/.cache/kdsql/datasette-venv (`make datasette`).
    @Test func datasetteServesTheDumpAsJSON() throws {
        try requireLibrary()
        let datasette = (ProcessInfo.processInfo.environment["KDSQL_DATASETTE"]
            ?? NSHomeDirectory() + "/.cache/kdsql/datasette-venv/bin/datasette")
        guard FileManager.default.isExecutableFile(atPath: datasette) else {
            throw Missing(what: "\(datasette): install it with `make datasette`")
        }
        let script = """
            import json, os, socket, subprocess, sys, time, urllib.request
            s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
            env = dict(os.environ, KDSQL_DUMP=sys.argv[3])
            p = subprocess.Popen([sys.argv[1], "serve", "--memory", "--load-extension=" + sys.argv[2],
                                  "-h", "127.0.0.1", "-p", str(port)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            url = "http://127.0.0.1:%d/_memory.json?_shape=array&sql=" % port
            url += urllib.parse.quote("SELECT count(*) AS bash FROM tasks WHERE comm = 'bash'")
            answer = None
            try:
                end = time.time() + 60
                while time.time() < end and answer is None:
                    try:
                        with urllib.request.urlopen(url, timeout=10) as r:
                            answer = json.load(r)
                    except OSError:
                        if p.poll() is not None: break
                        time.sleep(0.3)
            finally:
                p.terminate()
                try: p.wait(timeout=10)
                except subprocess.TimeoutExpired: p.kill(); p.wait()
            print(json.dumps(answer) if answer is not None else "no answer: " + p.stderr.read().decode()[-500:])
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, datasette, Self.libraryStem, dump])
        #expect(result.stdout == "[{\"bash\": \(bash)}]\n", "\(result.stderr)")
    }
}
