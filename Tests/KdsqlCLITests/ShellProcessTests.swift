import Foundation
import Testing
@testable import KdsqlCLI

/// The shell of the built binary, fed through a pipe and through a terminal.
@Suite("kdsql shell")
struct ShellProcessTests {
    let dump = KdsqlBinary.anyDump

    @Test func pipedStdinRunsStatementsWithoutPrompts() throws {
        let script = """
            CREATE TABLE t(a, b);
            .tables
            INSERT INTO t
              VALUES (1, 'x'),
                     (2, 'y,z');
            SELECT * FRM t;
            .mode csv
            SELECT * FROM t;
            .quit
            SELECT 'not reached';
            """
        let result = try KdsqlBinary.run([dump], input: script)
        // .tables lists the user's table next to the dump's tables.
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces) == "t" })
        #expect(lines.contains { $0.hasPrefix("tasks ") })
        #expect(result.stdout.hasSuffix("\na,b\n1,x\n2,\"y,z\"\n"))
        #expect(result.stderr == "Error: near \"FRM\": syntax error\n  SELECT * FRM t;\n           ^--- error here\n")
        // Like sqlite3 without -bail: it goes on, but the exit status tells.
        #expect(result.status == 1)
    }

    @Test func pipedStdinWithoutErrorsExitsZero() throws {
        let result = try KdsqlBinary.run([dump, "--format", "jsonl"], input: "SELECT 1 AS a;\n")
        #expect(result.status == 0)
        #expect(result.stdout == "{\"a\":1}\n")
    }

    /// Python that starts `kdsql DUMP` on a pseudo-terminal (argv: binary,
    /// dump, HOME; history under HOME/state), defines wait_for(token) and
    /// waits for the first prompt (`ok`). A test appends what it types.
    static let onATerminal = """
        import os, pty, select, sys, time
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(sys.argv[1], [sys.argv[1], sys.argv[2]],
                      {"HOME": sys.argv[3], "TERM": "dumb", "XDG_STATE_HOME": sys.argv[3] + "/state"})
        seen = b""
        def wait_for(token, limit=10):
            global seen
            end = time.time() + limit
            while token not in seen and time.time() < end:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try: seen += os.read(fd, 4096)
                    except OSError: break
            return token in seen
        ok = wait_for(b"kdsql> ")

        """

    /// At a terminal the shell prompts (libedit), runs what is typed and keeps history.
    @Test func aTerminalGetsThePromptAndHistory() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = Self.onATerminal + """
            os.write(fd, b"SELECT 6*7 AS answer;\\r")
            ok = ok and wait_for(b"42")
            os.write(fd, b".quit\\r")
            _, status = os.waitpid(pid, 0)
            print("prompt" if ok else "no prompt: %r" % seen, os.waitstatus_to_exitcode(status))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, KdsqlBinary.path, dump, home])
        #expect(result.stdout == "prompt 0\n", "\(result.stderr)")
        let history = try String(contentsOfFile: home + "/state/kdsql/history", encoding: .utf8)
        // libedit stores entries vis(3)-encoded (spaces as \040).
        #expect(history.hasPrefix("_HiStOrY_V2_"))
        #expect(history.contains("6*7"))
    }

    /// Ctrl-C stops the running statement, not the shell.
    @Test func controlCInterruptsAStatementAndTheShellGoesOn() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = Self.onATerminal + """
            os.write(fd, b"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\\r")
            time.sleep(0.5)
            os.write(fd, b"\\x03")
            ok = ok and wait_for(b"Error: interrupted")
            os.write(fd, b"SELECT 'still here';\\r")
            ok = ok and wait_for(b"still here\\r\\n")
            os.write(fd, b".quit\\r")
            if not ok: os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            print("interrupted" if ok else "stuck: %r" % seen[-200:], os.waitstatus_to_exitcode(status))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, KdsqlBinary.path, dump, home])
        #expect(result.stdout == "interrupted 0\n", "\(result.stderr)")
    }

    /// Ctrl-C while a statement is half typed drops it (it never runs) and
    /// the shell goes on; the banner ends with the `.help` hint.
    @Test func controlCAtThePromptClearsTheLineAndTheShellGoesOn() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = Self.onATerminal + """
            hint = b'Enter ".help" for usage hints.' in seen
            os.write(fd, b"SELECT 'half' AS h\\r")
            ok = ok and wait_for(b"...> ")
            os.write(fd, b"\\x03")
            time.sleep(0.3)
            os.write(fd, b"SELECT 'after' AS x;\\r")
            ok = ok and wait_for(b"after\\r\\n")
            os.write(fd, b".quit\\r")
            if not ok: os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            ran_half = b"-\\r\\nhalf" in seen
            print("cleared" if ok and hint and not ran_half else "wrong: %r" % seen[-300:], os.waitstatus_to_exitcode(status))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, KdsqlBinary.path, dump, home])
        #expect(result.stdout == "cleared 0\n", "\(result.stderr)")
    }

    /// Tab completes dot commands at the start of a line and table names in SQL.
    @Test func tabCompletesDotCommandsAndTables() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = Self.onATerminal + """
            os.write(fd, b".sho\\t\\r")
            ok = ok and wait_for(b"parameters: none")
            os.write(fd, b"SELECT count(*) > 0 AS n FROM kdsql_sta\\t;\\r")
            ok = ok and wait_for(b"kdsql_stats ;") and wait_for(b"\\r\\nn\\r\\n")
            os.write(fd, b".quit\\r")
            if not ok: os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            print("completed" if ok else "not completed: %r" % seen[-300:], os.waitstatus_to_exitcode(status))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, KdsqlBinary.path, dump, home])
        #expect(result.stdout == "completed 0\n", "\(result.stderr)")
    }

    /// A statement typed over several lines is one history entry with its
    /// newlines (libedit writes them as \\012), so a `--` comment stays on its line.
    @Test func historyKeepsMultiLineStatementsIntact() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = Self.onATerminal + """
            os.write(fd, b"SELECT 1 AS a -- one\\r")
            ok = ok and wait_for(b"...> ")
            os.write(fd, b", 2 AS b;\\r")
            ok = ok and wait_for(b"1  2")
            os.write(fd, b".quit\\r")
            if not ok: os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            print("ran" if ok else "stuck: %r" % seen[-300:], os.waitstatus_to_exitcode(status))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, KdsqlBinary.path, dump, home])
        #expect(result.stdout == "ran 0\n", "\(result.stderr)")
        let history = try String(contentsOfFile: home + "/state/kdsql/history", encoding: .utf8)
        #expect(history.contains("SELECT\\0401\\040AS\\040a\\040--\\040one\\012,\\0402\\040AS\\040b;"))
    }

    /// `.exit N` ends the shell with status N; `.once` sends one result to a
    /// file (in the terminal's format, a table) and the next goes to the screen.
    @Test func exitWithAStatusAndOnceAtATerminal() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = Self.onATerminal + """
            os.write(fd, b".once '" + sys.argv[3].encode() + b"/one result.csv'\\r")
            os.write(fd, b"SELECT 5 AS five;\\r")
            os.write(fd, b"SELECT 6 AS six;\\r")
            ok = ok and wait_for(b"six")
            os.write(fd, b".exit 3\\r")
            if not ok: os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            print("exited" if ok else "stuck: %r" % seen[-300:], os.waitstatus_to_exitcode(status))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, KdsqlBinary.path, dump, home])
        #expect(result.stdout == "exited 3\n", "\(result.stderr)")
        #expect(try String(contentsOfFile: home + "/one result.csv", encoding: .utf8) == "five\n----\n   5\n")
    }

    /// A statement running over a second shows the progress line on a
    /// terminal's stderr, erased when the result comes.
    @Test func aLongStatementShowsAProgressLineOnATerminal() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = Self.onATerminal + """
            os.write(fd, b"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000000) SELECT count(*) AS n FROM c;\\r")
            ok = ok and wait_for(b"rows visited", 20) and wait_for(b"6000000", 30)
            os.write(fd, b".quit\\r")
            if not ok: os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            print("progress" if ok else "none: %r" % seen[-300:], os.waitstatus_to_exitcode(status))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, KdsqlBinary.path, dump, home])
        #expect(result.stdout == "progress 0\n", "\(result.stderr)")
    }
}
