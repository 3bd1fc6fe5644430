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
}
