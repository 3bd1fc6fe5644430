import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlKernel
import KdsqlSQL

/// `stack_frames` and `registers` through SQL, against the fixtures' truth.
@Suite struct StackTablesTests {
    static func database(_ set: String = Fixtures.sysrq, _ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: try Fixtures.path(set, file))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
    }

    /// The connection's StackTraces (made by the first scan).
    struct NoScanYet: Error {}
    static func traces(_ db: KdsqlDatabase) throws -> StackTraces {
        try db.context.session(neededBy: "test").stackTraces()
    }

    /// The hex value after the first `NAME<sep>` in a truth text (`RSP: 0018:ffff...`,
    /// `RSP=ffff...`); a `segment:` prefix is skipped.
    static func printedValue(_ text: String, _ name: String, separator: Character) -> UInt64? {
        for word in text.split(whereSeparator: { $0 == " " || $0.isNewline }) {
            if separator == "=", word.hasPrefix(name + "=") { return UInt64(word.dropFirst(name.count + 1), radix: 16) }
        }
        let words = text.split(whereSeparator: { $0 == " " || $0.isNewline })
        for (i, w) in words.enumerated() where w == name + String(separator) && i + 1 < words.count {
            return UInt64(words[i + 1].split(separator: ":").last ?? "", radix: 16)
        }
        return nil
    }

    @Test func theIssuesJoinFindsEveryTaskWaitingInDoWait() throws {
        let db = try Self.database()
        let rows = try db.query("SELECT pid, comm FROM tasks JOIN stack_frames USING (pid) WHERE function = 'do_wait' GROUP BY pid")
        let found = Set(rows.compactMap { $0[0].int64 })
        var expected = Set(try Fixtures.truthCSV(Fixtures.sysrq, "stacks.csv").filter { $0["function"] == "do_wait" }.compactMap { Int64($0["pid"]!) })
        // README: pid 1 wrote the truth while running and is asleep in wait4() in the dump.
        expected.insert(1)
        #expect(found == expected)
        #expect(found.count >= 41)
    }

    @Test func wherePidUnwindsOnlyThatTask() throws {
        let db = try Self.database()
        let facts = try PanicFacts(Fixtures.sysrq)
        let pid = try facts.sleepingUserPid()
        let rows = try db.query("SELECT frame, function FROM stack_frames WHERE pid = \(pid) ORDER BY frame")
        let unwound = try Self.traces(db).tasksUnwound
        #expect(unwound == 1, "unwound \(unwound)")
        // /proc/PID/stack's frames appear in order (the scheduler frames between them).
        let truth = facts.procStack(pid: pid).map(\.function)
        #expect(!truth.isEmpty)
        let mine = rows.compactMap { $0[1].string }
        #expect(mine.filter(truth.contains) == truth)
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func panickingTasksFramesFromSysAreTheConsoleCallTrace(file: String) throws {
        let db = try Self.database(Fixtures.sysrq, file)
        let functions = try db.query("SELECT function FROM stack_frames WHERE task = (SELECT panic_task FROM sys) ORDER BY frame").compactMap { $0[0].string }
        let unwound = try Self.traces(db).tasksUnwound
        #expect(unwound == 1, "unwound \(unwound)")
        // The reliable (non-"?") entries of the printed Call Trace, from sysrq_handle_crash out.
        var printed: [String] = []
        var inTrace = false
        for line in try Fixtures.truth(Fixtures.sysrq, "console-panic.txt").split(whereSeparator: \.isNewline) {
            let item = line.split(separator: "]", maxSplits: 1).last.map { $0.split(separator: " ") } ?? []
            if item.first == "Call" { inTrace = true; continue }
            guard inTrace, let first = item.first else { continue }
            if first == "</TASK>" { break }
            if first.contains("+0x") { printed.append(String(first.split(separator: "+")[0])) }
        }
        #expect(Array(functions.drop { $0 != "sysrq_handle_crash" }) == Array(printed.drop { $0 != "sysrq_handle_crash" }))
        #expect(printed.contains("sysrq_handle_crash"))
    }

    @Test func everyTaskHasFramesAndNoTraceEndsInAnError() throws {
        let db = try Self.database()
        let tasks = try db.query("SELECT count(*) FROM tasks")[0][0].int64
        #expect(try db.query("SELECT count(DISTINCT task) FROM stack_frames")[0][0].int64 == tasks)
        #expect(try db.query("SELECT count(*) FROM stack_frames WHERE error IS NOT NULL") == [[.integer(0)]])
    }

    @Test func oopsExceptionFrameRegistersAreThoseThePanicPrinted() throws {
        let db = try Self.database(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let rows = try db.query("""
            SELECT s.symbol, r.name, r.value FROM stack_frames s JOIN registers r ON r.task = s.task AND r.frame = s.frame
            WHERE s.task = (SELECT panic_task FROM sys) AND s.is_exception_frame AND s.module = 'kdsql_oops'
            """)
        let regs = Dictionary(rows.map { ($0[1].string ?? "", UInt64(bitPattern: $0[2].int64 ?? 0)) }, uniquingKeysWith: { a, _ in a })
        #expect(rows.first?[0].string == "kdsql_oops_write+0x5/0x1000")
        // console-panic.txt: "RSP: 0018:ffffd12a40757cd8", "RBX: ffffffffc03ea000".
        let console = try Fixtures.truth(Fixtures.oops, "console-panic.txt")
        #expect(regs["rsp"] != nil && regs["rsp"] == Self.printedValue(console, "RSP", separator: ":"))
        #expect(regs["rbx"] != nil && regs["rbx"] == Self.printedValue(console, "RBX", separator: ":"))
        #expect(regs["rip"] != nil)
    }

    @Test func registersOfACPUComeFromItsNote() throws {
        let db = try Self.database()
        let rows = try db.query("SELECT name, value, source FROM registers WHERE cpu = 0 AND frame = 0")
        #expect(rows.allSatisfy { $0[2].string == "cpu_note" })
        // truth/cpu-registers.txt: "RSP=ffffcef640003fc0" for CPU#0.
        let truth = try Fixtures.truth(Fixtures.sysrq, "cpu-registers.txt")
        let rsp = try #require(Self.printedValue(truth, "RSP", separator: "="))
        #expect(rows.first { $0[0].string == "rsp" }.map { UInt64(bitPattern: $0[1].int64 ?? 0) } == rsp)
    }
}

/// The saved queries in Queries/ that read stack_frames, run as shipped.
@Suite struct StackSavedQueriesTests {
    static func sql(_ name: String) throws -> String {
        try Fixtures.text(Fixtures.packageRoot + "/Queries/\(name).sql")
    }

    @Test func btShowsThePanicChainDownToTheSyscallEntry() throws {
        let db = try StackTablesTests.database()
        // bt's :pid defaults to the panic's pid (its header); bound here as kdsql binds it.
        let bt = try db.prepare(try Self.sql("bt"))
        let pid = try #require(try db.query("SELECT pid FROM panic").first?.first)
        #expect(try bt.bind(["pid": pid]).isEmpty)
        let rows = try bt.rows()
        let symbols = rows.compactMap { $0[3].string }
        let i = try #require(symbols.firstIndex { $0.hasPrefix("sysrq_handle_crash+") })
        #expect(symbols[i + 1].hasPrefix("__handle_sysrq"))
        #expect(symbols.last?.hasPrefix("entry_SYSCALL_64_after_hwframe+") == true)
        #expect(rows.map { $0[0].int64 ?? -1 } == (0..<Int64(rows.count)).map { $0 })
    }

    @Test func foreachBtHasEveryFrameOfEveryTask() throws {
        let db = try StackTablesTests.database()
        let rows = try db.query(try Self.sql("foreach_bt"))
        #expect(Int64(rows.count) == (try db.query("SELECT count(*) FROM stack_frames")[0][0].int64))
        #expect(Set(rows.compactMap { $0[0].int64 }).count == (try db.query("SELECT count(DISTINCT pid) FROM tasks")[0][0].int64).map(Int.init))
    }

    @Test func blockedInCountsAtLeastTheUserTasksWhoseProcStackStartsThere() throws {
        let db = try StackTablesTests.database()
        var counts: [String: Int64] = [:]
        for r in try db.query(try Self.sql("blocked_in")) { counts[r[0].string ?? ""] = r[1].int64 }
        let users = Set(try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "0" && $0["pid"] != "1" }.map { $0["pid"]! })
        var expected: [String: Int64] = [:]
        for r in try Fixtures.truthCSV(Fixtures.sysrq, "stacks.csv") where r["frame"] == "0" && users.contains(r["pid"]!) {
            expected[r["function"]!, default: 0] += 1
        }
        #expect(expected["do_wait"] == 40)
        for (function, n) in expected { #expect((counts[function] ?? 0) >= n, "\(function)") }
    }
}
