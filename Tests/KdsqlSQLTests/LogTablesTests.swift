import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// log, panic, oops and taint through SQL, against the fixtures' truth files.
@Suite("Log, panic, oops and taint tables")
struct LogTablesTests {
    static func database(_ set: String = Fixtures.sysrq, _ file: String = "vmcore-mdf-d31.elf") throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: try Fixtures.path(set, file))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
    }

    static func keyValues(_ set: String, _ file: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try Fixtures.truth(set, file).split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    /// truth/kmsg.txt records: (priority, seq, usec, text with \xNN undone).
    static func kmsg(_ set: String) throws -> [(priority: Int64, seq: Int64, usec: Int64, text: String)] {
        try Fixtures.truth(set, "kmsg.txt").split(separator: "\n").compactMap { line in
            guard !line.hasPrefix(" "), let semi = line.firstIndex(of: ";") else { return nil }
            let head = line[..<semi].split(separator: ",")
            var bytes: [UInt8] = []
            let u = Array(line[line.index(after: semi)...].utf8)
            var i = 0
            while i < u.count {
                if u[i] == 0x5c, i + 3 < u.count, u[i + 1] == UInt8(ascii: "x"),
                   let b = UInt8(String(decoding: u[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
                    bytes.append(b); i += 4
                } else { bytes.append(u[i]); i += 1 }
            }
            return (Int64(head[0])!, Int64(head[1])!, Int64(head[2])!, String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func selectTextFromLogReproducesEveryKmsgRecord(file: String) throws {
        let db = try Self.database(Fixtures.sysrq, file)
        let truth = try Self.kmsg(Fixtures.sysrq)
        let rows = try db.query("SELECT seq, text, level + 8 * facility, ts_ns / 1000 FROM log WHERE seq <= \(truth.last!.seq) ORDER BY seq")
        #expect(rows.count == truth.count)
        var matching = 0
        for (row, t) in zip(rows, truth) {
            let expected: [SQLValue] = [.integer(t.seq), .text(t.text), .integer(t.priority), .integer(t.usec)]
            #expect(row == expected)
            if row == expected { matching += 1 }
        }
        #expect(matching == truth.count)
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func markersHaveTheirLevelsAndFacilityUser(file: String) throws {
        let db = try Self.database(Fixtures.sysrq, file)
        let rows = try db.query("SELECT text, level, facility, caller_tid FROM log WHERE text LIKE 'kdsql-marker:%' ORDER BY seq")
        // dmesg.txt: <14>, <12>, <11> = LOG_USER (1) * 8 + 6, 4, 3; written by PID 1.
        let truth = try Fixtures.truth(Fixtures.sysrq, "dmesg.txt").split(separator: "\n").filter { $0.contains("kdsql-marker:") }
        #expect(rows.count == truth.count)
        for (row, line) in zip(rows, truth) {
            let prio = Int64(line.dropFirst().prefix { $0 != ">" })!
            #expect(line.hasSuffix(row[0].textValue ?? "?"))
            #expect(row[1] == .integer(prio % 8) && row[2] == .integer(prio / 8) && row[3] == .integer(1))
        }
    }

    /// `line` is what the console printed: serial.log after the last marker
    /// holds the records written after the snapshot, the panic included.
    @Test func lineColumnAfterTheSnapshotIsTheConsoleTail() throws {
        let db = try Self.database()
        let last = try Self.kmsg(Fixtures.sysrq).last!.seq
        let serial = try Fixtures.text(try Fixtures.path(Fixtures.sysrq, "serial.log"))
            .split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        let gamma = try #require(serial.lastIndex { $0.hasSuffix("kdsql-marker: gamma") })
        let console = serial[(gamma + 1)...].filter { $0.hasPrefix("[") }
        // The console prints levels below console_loglevel 7 (cmdline loglevel=7).
        let rows = try db.query("SELECT line FROM log WHERE seq > \(last) AND level < 7 ORDER BY seq")
        let lines = rows.flatMap { ($0[0].textValue ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines == Array(console))
        let panicEnd = try Fixtures.truth(Fixtures.sysrq, "console-panic.txt").split(separator: "\n").last.map(String.init)
        #expect(lines.last == panicEnd)
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func panicRowMatchesCrashTxtWithoutOops(file: String) throws {
        let db = try Self.database(Fixtures.sysrq, file)
        let t = try Self.keyValues(Fixtures.sysrq, "crash.txt")
        let rows = try db.query("SELECT message, cpu, pid, comm, ip_symbol, oops, error_code, pf_write, fault_address, trap, summary FROM panic")
        #expect(rows.count == 1)
        let r = try #require(rows.first)
        #expect(r[0] == .text(t["panic_message"]!))
        #expect(r[1] == .integer(Int64(t["panic_cpu"]!)!))
        #expect(r[2] == .integer(Int64(t["panic_pid"]!)!))
        #expect(r[3] == .text(t["panic_comm"]!))
        let console = try Fixtures.truth(Fixtures.sysrq, "console-panic.txt")
        let ip = try #require(r[4].textValue)
        #expect(ip.hasPrefix("sysrq_handle_crash+0x") && console.contains(" " + ip + "\n"))
        #expect(Array(r[5...]) == Array(repeating: SQLValue.null, count: 6))
        #expect(try db.query("SELECT count(*) FROM oops") == [[.integer(0)]])
    }

    @Test func oopsDumpDecodesTheOopsInPanicAndOops() throws {
        let db = try Self.database(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let t = try Self.keyValues(Fixtures.oops, "crash.txt")
        let columns = "cpu, pid, comm, ip_symbol, ip_module, error_code, trap, pf_protection, pf_write, pf_user, pf_instruction_fetch, fault_address, summary"
        let panic = try db.query("SELECT message, oops, \(columns) FROM panic")
        let oops = try db.query("SELECT \(columns) FROM oops")
        #expect(panic.count == 1 && oops.count == 1)
        #expect(panic[0][0] == .text(t["panic_message"]!))
        #expect(panic[0][1] == .text(t["oops_line"]!))
        #expect(Array(panic[0][2...]) == oops[0])
        let expected: [SQLValue] = [
            .integer(Int64(t["oops_cpu"]!)!), .integer(Int64(t["oops_pid"]!)!), .text(t["oops_comm"]!),
            .text("\(t["rip_function"]!)+\(t["rip_offset"]!)/\(t["rip_size"]!)"), .text(t["rip_module"]!),
            .integer(Int64(t["oops_error_code"]!.dropFirst(2), radix: 16)!), .integer(14),
            // 0x0002: page not present, write, kernel mode, not an instruction fetch (README "Decoded").
            .integer(0), .integer(1), .integer(0), .integer(0),
            .integer(Int64(bitPattern: UInt64(t["cr2"]!.dropFirst(2), radix: 16)!)),
            .text("page not found during a write operation in kernel mode; not an instruction fetch"),
        ]
        #expect(oops[0] == expected)
        // The Oops's pid still names the panicking task in memory (runqueues[cpu].curr).
        #expect(try db.query("SELECT o.task = p.task AND o.task IS NOT NULL FROM oops o, panic p") == [[.integer(1)]])
    }

    @Test func taintTableShowsOEAndDOnTheOopsDump() throws {
        let db = try Self.database(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let truth = try Self.keyValues(Fixtures.oops, "tainted-at-crash.txt")
        let set = try db.query("SELECT bit, letter, name FROM taint WHERE is_set ORDER BY bit")
        #expect(set == [[.integer(7), .text("D"), .text("DIE")], [.integer(12), .text("O"), .text("OOT_MODULE")],
                        [.integer(13), .text("E"), .text("UNSIGNED_MODULE")]])
        let mask = try db.query("SELECT sum(1 << bit) FROM taint WHERE is_set")
        #expect(mask == [[.integer(Int64(truth["expected_tainted_mask_in_dump"]!)!)]])
        // One row per flag of 6.1's taint_flags[] (TAINT_FLAGS_COUNT 19).
        #expect(try db.query("SELECT count(*), min(bit), max(bit) FROM taint") == [[.integer(19), .integer(0), .integer(18)]])
    }

    @Test func taintTableIsClearOnTheSysrqDump() throws {
        let db = try Self.database()
        let tainted = Int64(try Fixtures.truth(Fixtures.sysrq, "tainted.txt").split(separator: "\n")[0])!
        #expect(try db.query("SELECT coalesce(sum(1 << bit), 0) FROM taint WHERE is_set") == [[.integer(tainted)]])
    }
}

extension SQLValue {
    var textValue: String? { if case .text(let s) = self { return s } else { return nil } }
}
