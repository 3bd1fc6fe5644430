import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// Kernel-backed tables and functions against the real 6.1 fixture dump.
@Suite("Kernel tables and functions")
struct KernelTablesTests {
    static func database(strict: Bool = false) throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel, options: .init(strict: strict)))
    }

    /// Address of a symbol in truth/kallsyms-selected.txt (what the guest's /proc/kallsyms said).
    static func truthAddress(_ name: String) throws -> UInt64 {
        for line in try Fixtures.truth(Fixtures.sysrq, "kallsyms-selected.txt").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 3, parts[2] == name, let a = UInt64(parts[0], radix: 16) { return a }
        }
        throw DirectoryMissing(path: "\(name) in truth/kallsyms-selected.txt")
    }

    @Test func symbolLookupByNameIsPushedDown() throws {
        let db = try Self.database()
        let rows = try db.query("SELECT kd_hex(address), type FROM symbols WHERE name = 'panic'")
        #expect(rows == [[.text(HexText.of(try Self.truthAddress("panic"))), .text("T")]])
        #expect(db.context.rowsVisited["symbols"] == 1)
    }

    @Test func symbolAddressRangeIsPushedDown() throws {
        let db = try Self.database()
        let stext = try Self.truthAddress("_stext")
        let rows = try db.query("SELECT name FROM symbols WHERE address >= \(Int64(bitPattern: stext)) AND address < \(Int64(bitPattern: stext + 0x100))")
        #expect(rows.contains([.text("_stext")]))
        #expect((db.context.rowsVisited["symbols"] ?? 0) == UInt64(rows.count))
    }

    @Test func kdSymbolNamesAnAddressWithOffset() throws {
        let db = try Self.database()
        let panic = Int64(bitPattern: try Self.truthAddress("panic"))
        #expect(try db.query("SELECT kd_symbol(\(panic)), kd_symbol(\(panic) + 16)") == [[.text("panic"), .text("panic+0x10")]])
    }

    @Test func vmcoreinfoKeyIsPushedDown() throws {
        let db = try Self.database()
        let release = try Fixtures.truth(Fixtures.sysrq, "osrelease.txt").split(separator: "\n")[0]
        #expect(try db.query("SELECT value FROM vmcoreinfo WHERE key = 'OSRELEASE'") == [[.text(String(release))]])
        #expect(db.context.rowsVisited["vmcoreinfo"] == 1)
    }

    @Test func readsOfKernelMemoryWork() throws {
        let db = try Self.database()
        // linux_banner starts with "Linux version ".
        let banner = Int64(bitPattern: try #require(db.context.symbols?.address(of: "linux_banner")))
        #expect(try db.query("SELECT kd_read_string(\(banner), 13), kd_read_u8(\(banner))") == [[.text("Linux version"), .integer(76)]])
        #expect(try db.query("SELECT kd_vtop(\(banner)) > 0") == [[.integer(1)]])
    }

    @Test func unreadableAddressGivesNullAndWarning() throws {
        let db = try Self.database()
        #expect(try db.query("SELECT kd_read_u64(16)") == [[.null]])
        #expect(db.drainWarnings().first?.contains("kd_read_u64(0x10)") == true)
    }

    @Test func unreadableAddressFailsInStrictMode() throws {
        let db = try Self.database(strict: true)
        #expect(throws: SQLError.self) { try db.query("SELECT kd_read_u64(16)") }
    }

    @Test func statsListEveryCacheCounter() throws {
        let db = try Self.database()
        let names = try db.query("SELECT name FROM kdsql_stats").compactMap { $0[0].string }
        for counter in ["cache_hits", "cache_misses", "cache_evictions", "bytes_decompressed", "pages_read",
                        "resident_bytes", "capacity_bytes"] {
            #expect(names.contains(counter), "kdsql_stats lacks \(counter)")
        }
    }

    /// truth/summary.json: 40 bash processes in the snapshot plus the one that crashed.
    @Test(arguments: Fixtures.sysrqDumps)
    func bashCountMatchesTruthInEveryDumpFormat(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let db = try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
        #expect(try db.query("SELECT count(*) FROM tasks WHERE comm = 'bash'") == [[.integer(Int64(try TaskTruth(set: Fixtures.sysrq).bashAtCrash))]])
    }

    @Test func sysNamesThePanickingTask() throws {
        let db = try Self.database()
        // truth/crash.txt of this run: panic CPU, panic pid/comm and KASLR offset differ per run.
        let facts = try CrashRecord(set: Fixtures.sysrq)
        let comm = try #require(facts.panicComm)
        let panicCPU = try #require(facts.panicCPU), panicPid = try #require(facts.panicPid)
        let kernelOffset = try #require(facts.kernelOffset)
        let rows = try db.query("SELECT panic_cpu, panic_pid, panic_comm, kd_hex(kaslr_offset), nodename, cpus FROM sys")
        #expect(rows == [[.integer(Int64(panicCPU)), .integer(panicPid), .text(comm),
                          .text(HexText.of(kernelOffset)), .text("kdsql-fixture"), .integer(2)]])
        #expect(try db.query("SELECT pid FROM tasks WHERE task = (SELECT panic_task FROM sys)") == [[.integer(panicPid)]])
        // sys.tasks counts every task in the dump, one idle task per CPU included.
        let total = try #require(try db.query("SELECT tasks FROM sys").first?.first?.int64)
        #expect(try db.query("SELECT count(*) FROM tasks") == [[.integer(total)]])
        // User tasks: those of the /proc snapshot plus the crasher, exactly.  Kernel threads can
        // change between snapshot and crash (README caveat: kworkers come and go), so theirs is
        // only compared loosely.
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv")
        let truthUser = truth.filter { $0["is_kthread"] == "0" }.count
        let truthKernel = truth.count - truthUser
        #expect(try db.query("SELECT count(*) FROM tasks WHERE pid != 0 AND NOT is_kernel_thread") == [[.integer(Int64(truthUser + 1))]])
        let kernelThreads = try #require(try db.query("SELECT count(*) FROM tasks WHERE pid != 0 AND is_kernel_thread").first?.first?.int64)
        #expect(abs(Int(kernelThreads) - truthKernel) <= 5, "\(kernelThreads) kernel threads in the dump, \(truthKernel) in the snapshot")
        #expect(total == Int64(truthUser + 1) + kernelThreads + 2)
    }

    @Test func pidEqualityVisitsOneTask() throws {
        let db = try Self.database()
        // The fixture's pid 1 is a shell script run as init (truth/tasks.csv).
        #expect(try db.query("SELECT comm, tgid, ppid FROM tasks WHERE pid = 1") == [[.text("init"), .integer(1), .integer(0)]])
        #expect(db.context.rowsVisited["tasks"] == 1)
    }

    @Test func pidZeroGivesOneIdleTaskPerCPU() throws {
        let db = try Self.database()
        let rows = try db.query("SELECT DISTINCT comm LIKE 'swapper/%' FROM tasks WHERE pid = 0")
        #expect(rows == [[.integer(1)]])
        #expect(try db.query("SELECT count(*) FROM tasks WHERE pid = 0") == (try db.query("SELECT cpus FROM sys")))
    }

    @Test func taskAddressEqualityFindsThatTaskOnly() throws {
        let db = try Self.database()
        let address = try #require(try db.query("SELECT task FROM tasks WHERE pid = 1").first?.first)
        #expect(try db.query("SELECT pid FROM tasks WHERE task = \(address)") == [[.integer(1)]])
        #expect(try db.query("SELECT pid FROM tasks WHERE task = \(address) + 8").isEmpty)
    }

    @Test func tgidEqualityGivesTheWholeThreadGroup() throws {
        let db = try Self.database()
        let all = try db.query("SELECT tgid, count(*) FROM tasks WHERE pid != 0 GROUP BY tgid HAVING count(*) > 1 LIMIT 1")
        let group = try #require(all.first)
        #expect(try db.query("SELECT count(*) FROM tasks WHERE tgid = \(group[0])") == [[group[1]]])
    }

    @Test func userTasksMatchTruthIdentityAndMemory() throws {
        let db = try Self.database()
        var dump: [Int64: [SQLValue]] = [:]
        for row in try db.query("SELECT pid, tgid, ppid, comm, uid, vsz_kb, rss_kb, is_kernel_thread FROM tasks WHERE pid != 0") {
            if let pid = row[0].int64 { dump[pid] = row }
        }
        var compared = 0
        for r in try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv") where r["is_kthread"] == "0" && r["pid"] != "1" {
            let pid = try #require(Int64(r["pid"] ?? ""))
            let row = try #require(dump[pid], "pid \(pid) missing")
            #expect(row[1] == .integer(Int64(r["tgid"]!)!) && row[2] == .integer(Int64(r["ppid"]!)!), "ids of \(pid)")
            #expect(row[3] == .text(r["comm"]!) && row[4] == .integer(Int64(r["uid"]!)!), "comm/uid of \(pid)")
            #expect(row[5] == .integer(Int64(r["vsz_kb"]!)!), "vsz_kb of \(pid)")
            #expect(row[7] == .integer(0))
            compared += 1
        }
        #expect(compared > 50)
    }

    @Test func offsetofAndSizeofAnswerFromTypeInformation() throws {
        let db = try Self.database()
        // struct list_head { struct list_head *next, *prev; } (include/linux/types.h)
        let rows = try db.query("SELECT kd_offsetof('list_head', 'prev'), kd_sizeof('struct list_head')")
        #expect(rows == [[.integer(8), .integer(16)]])
    }

    @Test func sysReportsTheRelease() throws {
        let db = try Self.database()
        let release = try Fixtures.truth(Fixtures.sysrq, "osrelease.txt").split(separator: "\n")[0]
        #expect(try db.query("SELECT release, machine FROM sys") == [[.text(String(release)), .text("x86_64")]])
    }
}

enum HexText {
    static func of(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}
