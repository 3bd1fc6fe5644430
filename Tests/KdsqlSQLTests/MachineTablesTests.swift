import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// crash's `mach`, the SysRq key table and the SysRq key behind the panic,
/// on every fixture set present (the sample aside: it has no config file).
@Suite struct MachineTablesTests {
    static let sets = Fixtures.everySet.filter { $0.set != "sample" }.map { "\($0.set)/\($0.file)" }

    static func database(_ setAndFile: String) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(setAndFile))))
    }

    static func set(_ setAndFile: String) -> String { String(setAndFile.split(separator: "/")[0]) }

    /// `CONFIG_NAME=value` of the set's kernel config (config-RELEASE beside the dump).
    static func config(_ setAndFile: String, _ db: KdsqlDatabase, _ name: String) throws -> String {
        let release = try #require(try db.query("SELECT release FROM sys")[0][0].string)
        let text = try Fixtures.text(try Fixtures.path(set(setAndFile), "config-" + release))
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + "=") }, "\(name) in config-\(release)")
        return String(line.dropFirst(name.count + 1))
    }

    static func integer(_ text: String) -> Int64? {
        text.hasPrefix("0x") ? Int64(text.dropFirst(2), radix: 16) : Int64(text)
    }

    @Test(arguments: sets)
    func sysrqEnabledIsTheConfigDefault(dump: String) throws {
        let db = try Self.database(dump)
        // The guests never write /proc/sys/kernel/sysrq.
        let want = try #require(Self.integer(try Self.config(dump, db, "CONFIG_MAGIC_SYSRQ_DEFAULT_ENABLE")))
        #expect(want == 0x1b6)
        #expect(try db.query("SELECT sysrq_enabled FROM sys") == [[.integer(want)]], "\(dump)")
    }

    @Test(arguments: sets)
    func crashKeyIsCWithItsHelpActionAndHandler(dump: String) throws {
        let db = try Self.database(dump)
        let rows = try db.query("SELECT help, action, handler_symbol, enable_mask, enabled, handler = (SELECT address FROM symbols WHERE name = 'sysrq_handle_crash') FROM sysrq_keys WHERE key = 'c'")
        // SYSRQ_ENABLE_DUMP is 0x0008, which 0x1b6 leaves out.
        #expect(rows == [[.text("crash(c)"), .text("Trigger a crash"), .text("sysrq_handle_crash"), .integer(8), .integer(0), .integer(1)]], "\(dump)")
    }

    /// The ten loglevel keys share one op; b (reboot) is SYSRQ_ENABLE_BOOT (0x80), in 0x1b6.
    @Test(arguments: sets)
    func keysFollowTheTableLayoutAndTheMask(dump: String) throws {
        let db = try Self.database(dump)
        #expect(try db.query("SELECT count(*), count(DISTINCT op), min(help) FROM sysrq_keys WHERE key BETWEEN '0' AND '9'")
            == [[.integer(10), .integer(1), .text("loglevel(0-9)")]])
        #expect(try db.query("SELECT help, enable_mask, enabled FROM sysrq_keys WHERE key = 'b'")
            == [[.text("reboot(b)"), .integer(0x80), .integer(1)]])
        // enabled is sysrq_on_mask(): mask & sysrq_enabled (the value is neither 0 nor 1 here).
        #expect(try db.query("SELECT count(*) FROM sysrq_keys WHERE enabled != ((enable_mask & (SELECT sysrq_enabled FROM sys)) != 0)")
            == [[.integer(0)]])
        #expect(try db.query("SELECT count(*) FROM sysrq_keys WHERE key IN ('a', 'g', 'h')") == [[.integer(0)]])
    }

    @Test(arguments: sets)
    func panicSysrqKeyIsCOnSysrqDumpsAndNullOnOopses(dump: String) throws {
        let db = try Self.database(dump)
        let want: SQLValue = Self.set(dump).hasSuffix("-oops") ? .null : .text("c")
        #expect(try db.query("SELECT sysrq_key FROM panic") == [[want]], "\(dump)")
        if want != .null {
            #expect(try db.query("SELECT sources LIKE '%sysrq_key=stack: sysrq_handle_crash%' FROM panic") == [[.integer(1)]])
        }
    }

    @Test(arguments: sets)
    func machineAgreesWithVmcoreinfoTheConfigAndTheCommandLine(dump: String) throws {
        let db = try Self.database(dump)
        func vmcoreinfo(_ key: String) throws -> String {
            try #require(try db.query("SELECT value FROM vmcoreinfo WHERE key = '\(key)'").first?[0].string, "\(key)")
        }
        let row = try #require(try db.query("""
            SELECT page_size, kaslr_offset, phys_base, hz, l1_cache_bytes, boot_command_line, cpus, machine, paging_levels FROM machine
            """).first)
        #expect(row[0] == .integer(Int64(try vmcoreinfo("PAGESIZE"))!))
        #expect(row[1] == .integer(Int64(bitPattern: UInt64(try vmcoreinfo("KERNELOFFSET"), radix: 16)!)))
        #expect(row[2] == .integer(Int64(try vmcoreinfo("NUMBER(phys_base)"))!))
        #expect(row[3] == .integer(Int64(try Self.config(dump, db, "CONFIG_HZ"))!))
        #expect(row[4] == .integer(1 << Int64(try Self.config(dump, db, "CONFIG_X86_L1_CACHE_SHIFT"))!))
        let cmdline = try Fixtures.truth(Self.set(dump), "cmdline.txt").split(separator: "\n")[0]
        #expect(row[5] == .text(String(cmdline)))
        #expect(row[6] == (try db.query("SELECT cpus FROM sys")[0][0]))
        #expect(row[7] == .text("x86_64"))
        #expect(row[8] == .integer(Int64(try vmcoreinfo("NUMBER(pgtable_l5_enabled)")) == 1 ? 5 : 4))
    }

    /// cpu_khz is what tsc_init() logged, or the refined calibration after it.
    @Test(arguments: sets)
    func cpuKhzIsTheLoggedTSCFrequency(dump: String) throws {
        let db = try Self.database(dump)
        let logged = try db.query("""
            SELECT CAST(replace(substr(text, instr(text, 'Detected ') + 9), ' MHz processor', '') AS REAL) * 1000 FROM log WHERE text LIKE 'tsc: Detected % MHz processor'
            UNION ALL
            SELECT CAST(replace(substr(text, instr(text, 'calibration: ') + 13), ' MHz', '') AS REAL) * 1000 FROM log WHERE text LIKE 'tsc: Refined TSC clocksource calibration: %'
            """).compactMap { $0[0].double.map { Int64($0.rounded()) } }
        #expect(!logged.isEmpty)
        let khz = try #require(try db.query("SELECT cpu_khz FROM machine")[0][0].int64)
        #expect(logged.contains(khz), "\(dump): cpu_khz \(khz), log \(logged)")
    }

    @Test(arguments: sets)
    func machineLayoutIsTheKernelsOwn(dump: String) throws {
        let db = try Self.database(dump)
        // The direct map starts where physical 0 is; the image where _text is.
        #expect(try db.query("SELECT direct_map_base = kd_ptov(0), kernel_virtual_base = direct_map_base FROM machine") == [[.integer(1), .integer(1)]])
        #expect(try db.query("SELECT kernel_start = (SELECT address FROM symbols WHERE name = '_text') FROM machine") == [[.integer(1)]])
        #expect(try db.query("SELECT vmemmap_start = (SELECT kd_read_u64(address) FROM symbols WHERE name = 'vmemmap_base'), vmalloc_start = (SELECT kd_read_u64(address) FROM symbols WHERE name = 'vmalloc_base') FROM machine")
            == [[.integer(1), .integer(1)]])
        // Present memory covers what the kernel manages; the guests have 256 MiB.
        let row = try db.query("SELECT memory_bytes, (SELECT memory_bytes FROM sys) FROM machine")[0]
        #expect(row[0].int64! >= row[1].int64! && row[0].int64! <= 256 << 20)
    }
}
