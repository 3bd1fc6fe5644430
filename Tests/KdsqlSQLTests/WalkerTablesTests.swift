#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Testing
import FixtureSupport
import KdsqlDump
import KdsqlMemory
import KdsqlSQL

/// The generic walkers (kd_list, kd_rbtree, kd_xarray, kd_maple, kd_percpu,
/// kd_array, kd_mem, kd_disasm, kd_vtop with a pid) against the tables that
/// walk the same structures, the fixtures' truth and the debug vmlinux.
@Suite struct WalkerTablesTests {
    static func database(_ set: String, _ file: String, strict: Bool = false) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(set, file)),
                                                     options: .init(strict: strict)))
    }

    static func database(_ g: KernelGeneration) throws -> KdsqlDatabase { try database(g.sysrq, g.dump) }

    static func int(_ db: KdsqlDatabase, _ sql: String) throws -> Int64 {
        try #require(try db.query(sql).first?.first?.int64, "\(sql)")
    }

    /// PF_KTHREAD (include/linux/sched.h).
    static let kernelThread = "kd_read_u32(address + kd_offsetof('task_struct', 'flags')) & 0x00200000"

    // MARK: kd_list

    /// init_task is the list's head, not an entry (include/linux/list.h
    /// list_for_each_entry), so the walk gives every thread-group leader but
    /// the boot CPU's idle task: the tasks table's leaders minus pid 0, and
    /// the user processes among them are truth's plus the one that crashed.
    @Test(arguments: Fixtures.generations)
    func kdListOverInitTaskTasksGivesEveryProcessButTheIdleHead(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let listed = try db.query("SELECT address FROM kd_list('init_task.tasks', 'task_struct', 'tasks') ORDER BY address")
        let leaders = try db.query("SELECT task FROM tasks WHERE pid = tgid AND pid <> 0 ORDER BY task")
        #expect(listed == leaders, "\(g)")
        #expect(listed.count > 50, "\(g)")
        let user = try Self.int(db, "SELECT count(*) FROM kd_list('init_task.tasks', 'task_struct', 'tasks') WHERE \(Self.kernelThread) = 0")
        #expect(user == Int64(try TaskTruth(set: g.sysrq).userProcessesAtCrash), "\(g)")
        #expect(db.drainWarnings() == [], "\(g)")
    }

    /// `list -H modules -s module.name`: the modules in /proc/modules order.
    @Test(arguments: Fixtures.generations)
    func kdListOverModulesGivesTheModulesInProcModulesOrder(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let names = try db.query("""
            SELECT kd_read_string(address + kd_offsetof('module', 'name')) FROM kd_list('modules', 'module', 'list') ORDER BY ordinal
            """)
        let truth = try Fixtures.truthCSV(g.sysrq, "modules.csv").map { [SQLValue.text($0["name"]!)] }
        #expect(!truth.isEmpty)
        #expect(names == truth, "\(g)")
        #expect(try db.query("SELECT address FROM kd_list('modules', 'module', 'list')")
                == db.query("SELECT module FROM modules"), "\(g)")
    }

    /// A list_head that points to itself is an empty list: nobody ptraces
    /// the idle task, so init_task.ptraced is empty.
    @Test func aSelfLinkedHeadIsAnEmptyList() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let head = try Self.int(db, "SELECT (SELECT address FROM symbols WHERE name = 'init_task') + kd_offsetof('task_struct', 'ptraced')")
        #expect(try Self.int(db, "SELECT kd_read_u64(\(head))") == head)
        #expect(try db.query("SELECT count(*) FROM kd_list('init_task.ptraced', 'task_struct', 'ptrace_entry')") == [[.integer(0)]])
        #expect(db.drainWarnings() == [])
    }

    /// A "head" that is not on the ring it points into never comes back:
    /// from init_task.tasks.prev's address the walk goes round the task ring
    /// once (every leader, init_task included), then stops with a warning.
    @Test func aWalkThatNeverReturnsToItsHeadStopsAfterOneRoundWithAWarning() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let rows = try Self.int(db, "SELECT count(*) FROM kd_list(kd_offsetof('task_struct', 'tasks') + 8 + (SELECT address FROM symbols WHERE name = 'init_task'), 'task_struct', 'tasks')")
        let leaders = try Self.int(db, "SELECT count(*) FROM tasks WHERE pid = tgid AND pid <> 0")
        #expect(rows == leaders + 1)
        let warnings = db.drainWarnings()
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("kd_list: kd_list(0x") == true && warnings.first?.contains("cycle") == true, "\(warnings)")
        let strict = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump", strict: true)
        #expect(throws: SQLError.self) {
            try strict.query("SELECT count(*) FROM kd_list(kd_offsetof('task_struct', 'tasks') + 8 + (SELECT address FROM symbols WHERE name = 'init_task'), 'task_struct', 'tasks')")
        }
    }

    /// A real cycle: the 20th leader's `next` patched to point back at the
    /// 10th leader's node. The walk gives the 20 leaders up to the patch
    /// once each and ends with a warning instead of going round for ever.
    @Test func aCycleInTheListEndsTheWalkWithAWarning() throws {
        let original = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31.elf")
        let nodes = try db.query("SELECT node FROM kd_list('init_task.tasks', 'task_struct', 'tasks') ORDER BY ordinal").map { UInt64(bitPattern: $0[0].int64!) }
        let path = try Self.patchedCopy(of: original, at: nodes[19], value: nodes[9])
        defer { unlink(path) }
        let broken = try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: path)))
        let walked = try broken.query("SELECT node FROM kd_list('init_task.tasks', 'task_struct', 'tasks') ORDER BY ordinal").map { UInt64(bitPattern: $0[0].int64!) }
        #expect(walked == Array(nodes[0..<20]))
        let warnings = broken.drainWarnings()
        #expect(warnings.count == 1 && warnings[0].contains("cycle"), "\(warnings)")
    }

    /// A link into memory the dump does not have ends the walk: no rows
    /// past it, one warning naming the address, and under --strict an error.
    @Test func anUnreadableLinkEndsTheWalkWithAWarning() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        #expect(try db.query("SELECT count(*) FROM kd_list(16, 'task_struct', 'tasks')") == [[.integer(0)]])
        let warnings = db.drainWarnings()
        #expect(warnings.count == 1 && warnings[0].hasPrefix("kd_list: ") && warnings[0].contains("0x10"), "\(warnings)")
        let kept = try db.query("SELECT table_name, message LIKE 'kd_list: walk stopped: %' FROM kdsql_warnings")
        #expect(kept == [[.text("kd_list"), .integer(1)]], "\(kept)")
        #expect(try db.query("SELECT count(*) FROM kd_rbtree(16, 'sched_entity', 'run_node')") == [[.integer(0)]])
        #expect(db.drainWarnings().count == 1)
        let strict = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump", strict: true)
        #expect(throws: SQLError.self) { try strict.query("SELECT count(*) FROM kd_list(16, 'task_struct', 'tasks')") }
    }

    /// A copy of an ELF dump with the 8 bytes at kernel address `va` replaced.
    static func patchedCopy(of original: String, at va: UInt64, value: UInt64) throws -> String {
        let kernel = try Kernel.open(path: original)
        let elf = try #require(kernel.dump as? ElfVmcore)
        let offset = Int(try #require(elf.fileOffset(physical: try kernel.translate(va))))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: original))
        withUnsafeBytes(of: value.littleEndian) { for k in 0..<8 { bytes[offset + k] = $0[k] } }
        let path = NSTemporaryDirectory() + "kdsql-cycle-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).elf"
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aMemberThatIsNoListNodeIsAnErrorNamingIt() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let notANode = #expect(throws: SQLError.self) { try db.query("SELECT * FROM kd_list('init_task.tasks', 'task_struct', 'comm')") }
        #expect("\(notANode!)".contains("task_struct.comm is a char [16], not a struct list_head or struct hlist_node"), "\(notANode!)")
        let missing = #expect(throws: SQLError.self) { try db.query("SELECT * FROM kd_list('init_task.tasks', 'task_struct', 'no_such_member')") }
        #expect("\(missing!)".contains("task_struct has no member 'no_such_member'"), "\(missing!)")
    }

    // MARK: kd_xarray and hlists

    /// The pid IDR (init_pid_ns.idr, kernel/pid.c alloc_pid: idr_base 0, the
    /// index is the pid) holds one struct pid per thread; its hlist
    /// tasks[PIDTYPE_PID] holds that thread through task_struct.pid_links[0].
    @Test(arguments: Fixtures.generations)
    func pidIdrEntriesLeadThroughTheirHlistToTheTaskWithThatPid(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("""
            SELECT x."index", kd_read_u32(l.address + kd_offsetof('task_struct', 'pid')), l.address
            FROM kd_xarray('init_pid_ns.idr') x, kd_list(x.entry + kd_offsetof('pid', 'tasks[0]'), 'task_struct', 'pid_links[0]') l
            ORDER BY 1
            """)
        let tasks = try db.query("SELECT pid, pid, task FROM tasks WHERE pid > 0 ORDER BY pid")
        #expect(rows == tasks, "\(g)")
        #expect(try db.query("SELECT count(*) FROM kd_xarray('init_pid_ns.idr') WHERE is_value") == [[.integer(0)]])
        #expect(db.drainWarnings() == [], "\(g)")
    }

    // MARK: kd_maple

    /// An mm's maple tree (mm_struct.mm_mt, 6.1+) holds its VMAs: index
    /// ranges [vm_start, vm_end - 1], for every process.
    @Test(arguments: Fixtures.generations.filter { $0.series != "5.10" })
    func mapleTreeOfEveryMmHoldsItsVmas(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let ranges = try db.query("""
            SELECT m.pid, k.entry, k.index_first, k.index_last + 1
            FROM mm m, kd_maple(m.mm + kd_offsetof('mm_struct', 'mm_mt')) k ORDER BY 1, 3
            """)
        let vmas = try db.query("SELECT pid, vma, start, \"end\" FROM vmas ORDER BY 1, 3")
        #expect(ranges.count > 100, "\(g)")
        #expect(ranges == vmas, "\(g)")
    }

    @Test func mapleOnAKernelWithoutMapleTreesIsAnError() throws {
        guard let g = Fixtures.generations.first(where: { $0.series == "5.10" }) else {
            // 5.10 runs with KDSQL_GENERATIONS; the shared 6.x sets have maple trees.
            let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
            #expect(try db.query("SELECT count(*) > 0 FROM kd_maple((SELECT mm FROM mm WHERE pid = 1) + kd_offsetof('mm_struct', 'mm_mt'))") == [[.integer(1)]])
            return
        }
        let db = try Self.database(g)
        let error = #expect(throws: SQLError.self) { try db.query("SELECT * FROM kd_maple('init_task')") }
        #expect("\(error!)".contains("no maple trees"), "\(error!)")
    }

    // MARK: kd_rbtree, kd_array, kd_percpu

    /// Every CPU's hrtimer bases (HRTIMER_MAX_CLOCK_BASES = 8,
    /// include/linux/hrtimer.h) keep their timers in a timerqueue, an
    /// rb_root_cached of hrtimer.node.node: walked in order per base they
    /// are the hrtimers table, row for row.
    @Test(arguments: Fixtures.generations)
    func rbtreesOfEveryHrtimerBaseAreTheHrtimersTable(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let walked = try db.query("""
            SELECT c.cpu, t.address
            FROM kd_percpu('hrtimer_bases') c,
                 kd_array(c.address + kd_offsetof('hrtimer_cpu_base', 'clock_base'), 'hrtimer_clock_base', 8) b,
                 kd_rbtree(b.address + kd_offsetof('hrtimer_clock_base', 'active'), 'hrtimer', 'node.node') t
            ORDER BY c.cpu, b.ordinal, t.ordinal
            """)
        let table = try db.query("SELECT cpu, timer FROM hrtimers")
        #expect(walked.count > 10, "\(g)")
        #expect(walked == table, "\(g)")
    }

    /// One row per possible CPU, at the struct rq the cpus table reads.
    @Test(arguments: Fixtures.generations)
    func percpuRunqueuesIsEveryPossibleCpusRq(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let percpu = try db.query("SELECT cpu, address FROM kd_percpu('runqueues') ORDER BY cpu")
        #expect(percpu == (try db.query("SELECT cpu, rq FROM cpus ORDER BY cpu")), "\(g)")
        // The same from the symbol's address, as from a __percpu pointer's value.
        #expect(try db.query("SELECT cpu, address FROM kd_percpu(kd_symbol_address('runqueues')) ORDER BY cpu") == percpu, "\(g)")
        let possible = try Self.int(db, "SELECT kd_read_u32((SELECT address FROM symbols WHERE name = 'nr_cpu_ids'))")
        #expect(Int64(percpu.count) == possible, "\(g)")
        // rq->curr is the task the runqueues table marks current.
        #expect(try db.query("SELECT cpu, kd_read_u64(address + kd_offsetof('rq', 'curr')) FROM kd_percpu('runqueues') ORDER BY cpu")
                == db.query("SELECT cpu, task FROM runqueues WHERE is_current ORDER BY cpu"), "\(g)")
    }

    @Test func arrayElementsAreBasePlusOrdinalTimesTheTypeSize() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let avenrun = try Self.int(db, "SELECT address FROM symbols WHERE name = 'avenrun'")
        #expect(try db.query("SELECT ordinal, address FROM kd_array('avenrun', 'unsigned long', 3)")
                == [[.integer(0), .integer(avenrun)], [.integer(1), .integer(avenrun + 8)], [.integer(2), .integer(avenrun + 16)]])
        #expect(try db.query("SELECT count(*) FROM kd_array('init_task', 'task_struct', 0)") == [[.integer(0)]])
        #expect(throws: SQLError.self) { try db.query("SELECT * FROM kd_array('avenrun', 'unsigned long', -1)") }
    }

    // MARK: kd_mem and kd_vtop

    /// `rd linux_banner`: "Linux version RELEASE (" as truth's osrelease says.
    @Test(arguments: Fixtures.generations)
    func memAtLinuxBannerShowsLinuxVersion(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let release = try Fixtures.truth(g.sysrq, "osrelease.txt").split(separator: "\n")[0]
        let rows = try db.query("SELECT address, hex, u64_0, u64_1, ascii FROM kd_mem(kd_symbol_address('linux_banner'), 64)")
        #expect(rows.count == 4)
        #expect(try db.query("SELECT ascii FROM kd_mem(kd_symbol_address('linux_banner'), 32) LIMIT 1") == [[.text("Linux version \(release.prefix(2))")]])
        let text = rows.compactMap { $0[4].string }.joined()
        #expect(text.hasPrefix("Linux version \(release) ("), "\(g): \(text)")
        let first = try #require(rows.first)
        #expect(first[1] == .text("4c 69 6e 75 78 20 76 65 72 73 69 6f 6e 20 \(Self.hex(release.utf8.prefix(2)))"))
        let banner = try Self.int(db, "SELECT address FROM symbols WHERE name = 'linux_banner'")
        #expect(first[0] == .integer(banner))
        #expect(first[2] == .integer(try Self.int(db, "SELECT kd_read_u64(\(banner))")))
        #expect(first[3] == .integer(try Self.int(db, "SELECT kd_read_u64(\(banner) + 8)")))
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }

    @Test func memOfAShortLengthEndsWithAShortRow() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let rows = try db.query("SELECT hex, u64_0, u64_1, ascii FROM kd_mem('linux_banner', 20)")
        #expect(rows.count == 2)
        // "Linux version 6.1.0-56-cloud-amd64": bytes 16..<20 are "1.0-".
        #expect(rows[1] == [.text("31 2e 30 2d"), .null, .null, .text("1.0-")])
    }

    @Test func unreadableMemoryGivesNullRowsAndOneWarning() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        #expect(try db.query("SELECT address, hex, ascii FROM kd_mem(16, 32)")
                == [[.integer(16), .null, .null], [.integer(32), .null, .null]])
        let warnings = db.drainWarnings()
        #expect(warnings.count == 1 && warnings[0].hasPrefix("kd_mem: 0x10: "), "\(warnings)")
    }

    /// 6.12's dump keeps user pages (-d 23): `rd -u` at each process's
    /// arg_start reads the argument strings the cmdline table decoded.
    @Test func memWithAPidReadsThatProcesssArgumentsFromItsPageTables() throws {
        let db = try Self.database(Fixtures.sysrq612, Fixtures.dump612)
        let processes = try db.query("SELECT pid, arg_start, argv FROM cmdline WHERE argv IS NOT NULL AND argc > 0")
        #expect(processes.count > 20)
        for p in processes {
            let pid = p[0].int64!, start = p[1].int64!
            // argv[0] and its NUL: the first bytes at arg_start (fs/exec.c copy_strings).
            let first = Array(try #require(p[2].string?.split(separator: " ").first).utf8) + [0]
            let rows = try db.query("SELECT hex FROM kd_mem(\(start), \(first.count), \(pid))")
            #expect(rows.map { $0[0].string ?? "NULL" }.joined(separator: " ") == Self.hex(first), "pid \(pid)")
        }
        #expect(db.drainWarnings() == [])
    }

    /// A kernel address translates the same through any process's page
    /// tables (the kernel half is shared); a user address keeps its page offset.
    @Test func vtopWithAPidWalksThatProcesssPageTables() throws {
        let db = try Self.database(Fixtures.sysrq612, Fixtures.dump612)
        #expect(try db.query("SELECT kd_vtop(address, 1) = kd_vtop(address) FROM symbols WHERE name = 'linux_banner'") == [[.integer(1)]])
        let row = try #require(try db.query("SELECT arg_start, kd_vtop(arg_start, pid) FROM cmdline WHERE pid = 1").first)
        let va = try #require(row[0].int64), pa = try #require(row[1].int64)
        #expect(pa & 0xfff == va & 0xfff)
        #expect(pa != va)
        // A kernel thread has no user address space.
        let error = #expect(throws: SQLError.self) { try db.query("SELECT kd_vtop(4096, 2)") }
        #expect("\(error!)".contains("kernel thread"), "\(error!)")
    }

    // MARK: kd_disasm

    /// `dis sysrq_handle_crash` starts at the symbol and names the calls.
    @Test(arguments: Fixtures.generations)
    func disasmOfSysrqHandleCrashStartsAtTheSymbolAndCallsPanic(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let start = try Self.int(db, "SELECT address FROM symbols WHERE name = 'sysrq_handle_crash'")
        let rows = try db.query("SELECT address, offset, mnemonic, symbol FROM kd_disasm('sysrq_handle_crash')")
        #expect(rows.first?[0] == .integer(start) && rows.first?[1] == .integer(0), "\(g)")
        #expect(rows.contains { $0[2] == .text("call") && $0[3] == .text("panic") }, "\(g): \(rows)")
        #expect(try db.query("SELECT count(*) FROM kd_disasm('sysrq_handle_crash', 2)") == [[.integer(2)]])
        #expect(try db.query("SELECT address FROM kd_disasm(\(start), 1)") == [[.integer(start)]])
    }

    /// A loaded module's function by name, from the module's kallsyms: the
    /// Oops fixture faulted at kdsql_oops_write+0x5 (its console), on an
    /// instruction that writes memory (error code 0002).
    @Test func disasmOfAModuleFunctionStartsAtItsModuleSymbol() throws {
        let db = try Self.database(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let start = try Self.int(db, "SELECT address FROM module_symbols WHERE name = 'kdsql_oops_write'")
        let rows = try db.query("SELECT address, offset, operands FROM kd_disasm('kdsql_oops_write')")
        #expect(rows.first?[0] == .integer(start))
        let faulting = try #require(rows.first { $0[1] == .integer(5) })
        // mov dword ptr [0], 1: the NULL write (kdsql_oops.c), then ret; the
        // function's st_size ends the listing before the module's padding.
        #expect(faulting[2] == .text("dword ptr [0], 1"), "\(faulting)")
        let size = try Self.int(db, "SELECT size FROM module_symbols WHERE name = 'kdsql_oops_write'")
        let end = try Self.int(db, "SELECT max(offset + length(replace(bytes, ' ', '')) / 2) FROM kd_disasm('kdsql_oops_write')")
        #expect(size > 0 && end == size)
    }

    /// The instructions are objdump's (-M intel) of the debug vmlinux, moved
    /// by the KASLR offset: the same boundaries and bytes, but where the
    /// running kernel patched its text (the __fentry__ call became a NOP),
    /// and call targets named alike. Past objdump's end only padding follows.
    @Test(arguments: [(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"), (Fixtures.sysrq612, Fixtures.dump612)])
    func disasmMatchesObjdumpOfTheDebugVmlinux(set: String, dump: String) throws {
        let vmlinux = try Fixtures.debugVmlinux(release: try Fixtures.kernelRelease(set))
        let objdump = try Self.objdump(vmlinux, function: "sysrq_handle_crash")
        #expect(objdump.count >= 4)
        let db = try Self.database(set, dump)
        let rows = try db.query("SELECT offset, bytes, mnemonic, symbol FROM kd_disasm('sysrq_handle_crash')")
        #expect(rows.count >= objdump.count)
        let slide = UInt64(bitPattern: try Self.int(db, "SELECT address FROM symbols WHERE name = 'sysrq_handle_crash'")) &- objdump[0].address
        for (row, want) in zip(rows, objdump) {
            #expect(row[0] == .integer(Int64(want.offset)), "\(set) +\(want.offset)")
            if want.text.contains("__fentry__") {
                #expect(row[2] == .text("nop"), "\(set): the ftrace call site is patched to a NOP")
                #expect(row[1].string?.split(separator: " ").count == want.bytes.split(separator: " ").count)
            } else if want.text.contains(",0xffffffff") {
                // An absolute kernel address in an imm32 (mov rdi, 0xffffffff823697b9,
                // sign-extended): relocated at boot by the KASLR slide.
                let got = try #require(row[1].string).split(separator: " ").map { UInt8($0, radix: 16)! }
                let link = want.bytes.split(separator: " ").map { UInt8($0, radix: 16)! }
                #expect(got.count == link.count && got.dropLast(4) == link.dropLast(4), "\(set) +\(want.offset)")
                func imm(_ b: [UInt8]) -> UInt32 { b.suffix(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
                #expect(imm(got) &- imm(link) == UInt32(truncatingIfNeeded: slide), "\(set) +\(want.offset)")
            } else {
                #expect(row[1] == .text(want.bytes), "\(set) +\(want.offset)")
            }
            if let name = want.callee, !name.contains("__fentry__") { #expect(row[3] == .text(name), "\(set) +\(want.offset)") }
        }
        for row in rows.dropFirst(objdump.count) {
            #expect(row[2] == .text("nop") || row[2] == .text("int3"), "\(set): \(row)")
        }
    }

    struct ObjdumpLine { var address: UInt64; var offset: UInt64; var bytes: String; var text: String; var callee: String? }

    static func objdump(_ vmlinux: String, function: String) throws -> [ObjdumpLine] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/objdump")
        process.arguments = ["-d", "-M", "intel", "--insn-width=16", "--disassemble=\(function)", vmlinux]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var lines: [ObjdumpLine] = []
        var base: UInt64?
        for line in output.split(separator: "\n") {
            // "ffffffff816a89f5:\te8 76 f8 a7 ff  \tcall   ffffffff81128270 <__rcu_read_unlock>"
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, fields[0].hasSuffix(":"),
                  let address = UInt64(fields[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            if base == nil { base = address }
            let text = String(fields[2])
            var callee: String?
            if text.hasPrefix("call"), let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), !text.contains("#") {
                callee = String(text[text.index(after: open)..<close])
            }
            lines.append(ObjdumpLine(address: address, offset: address - base!, bytes: fields[1].trimmingCharacters(in: .whitespaces),
                                     text: text, callee: callee))
        }
        return lines
    }
}
