import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// crash's vtop/pte, ptov/btop/ptob, search and waitq as kd_pte, kd_ptov,
/// kd_btop, kd_ptob, kd_search, kd_search_physical and waitq, on every
/// fixture set present.
@Suite struct AddressTablesTests {
    static let sets = Fixtures.everySet.filter { $0.set != "sample" }.map { "\($0.set)/\($0.file)" }

    static func database(_ setAndFile: String) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(setAndFile))))
    }

    /// `init_task`'s address, and the address and value of its tasks.next.
    static let initTaskTasksNext = """
        SELECT i.address, i.address + kd_offsetof('task_struct', 'tasks.next'),
               kd_read_u64(i.address + kd_offsetof('task_struct', 'tasks.next'))
        FROM symbols i WHERE i.name = 'init_task'
        """

    @Test(arguments: sets)
    func kdSearchOverInitTaskFindsItsTasksNext(dump: String) throws {
        let db = try Self.database(dump)
        let facts = try #require(try db.query(Self.initTaskTasksNext).first)
        let (base, field, value) = (facts[0], facts[1], facts[2])
        let rows = try db.query("""
            SELECT address, value, symbol FROM kd_search(\(base), \(base) + kd_sizeof('struct task_struct'), \(value))
            """)
        let offset = try db.query("SELECT kd_offsetof('task_struct', 'tasks.next')")[0][0].int64!
        // The field's own address is a match; the value is a list pointer (a
        // task's tasks), so it appears nowhere else in init_task except by chance.
        #expect(rows.contains([field, value, .text("init_task+0x\(String(offset, radix: 16))")]), "\(dump): \(rows)")
        #expect(db.drainWarnings().isEmpty)
    }

    @Test(arguments: sets)
    func kdSearchPhysicalFindsTheSameWordAtItsPhysicalAddress(dump: String) throws {
        let db = try Self.database(dump)
        let facts = try #require(try db.query(Self.initTaskTasksNext).first)
        let rows = try db.query("""
            SELECT address = kd_vtop(\(facts[1])), symbol FROM kd_search_physical(kd_vtop(\(facts[0])),
                kd_vtop(\(facts[0])) + kd_sizeof('struct task_struct'), \(facts[2]))
            """)
        let offset = try db.query("SELECT kd_offsetof('task_struct', 'tasks.next')")[0][0].int64!
        #expect(rows.contains([.integer(1), .text("init_task+0x\(String(offset, radix: 16))")]), "\(dump): \(rows)")
    }

    /// A mask compares only its bits: the top 32 bits of a direct-map pointer
    /// match the field too.
    @Test(arguments: sets)
    func kdSearchComparesUnderTheMask(dump: String) throws {
        let db = try Self.database(dump)
        let facts = try #require(try db.query(Self.initTaskTasksNext).first)
        let masked = try db.query("""
            SELECT address FROM kd_search(\(facts[1]), \(facts[1]) + 8, \(facts[2]) & 0xffffffff00000000, 0xffffffff00000000)
            """)
        #expect(masked == [[facts[1]]])
        #expect(try db.query("SELECT count(*) FROM kd_search(\(facts[1]), \(facts[1]) + 8, \(facts[2]) + 8)") == [[.integer(0)]])
    }

    @Test func kdSearchStopsAtItsLimitWithAWarning() throws {
        let db = try Self.database(Self.sets[0])
        // Zero words are everywhere in the kernel image.
        let rows = try db.query("SELECT count(*) FROM kd_search(0xffffffff80000000, 0xffffffffffffffff, 0, -1, 5)")
        #expect(rows == [[.integer(5)]])
        #expect(db.drainWarnings().contains { $0.contains("stopped after 5 matches") })
        // No arguments, no rows (and no error: SELECT * FROM kd_search is valid).
        #expect(try db.query("SELECT * FROM kd_search").isEmpty)
    }

    /// With a pid the search walks that task's tables: its user mappings are
    /// there (the kernel's own tables have none); each page is either read
    /// (zero words are everywhere) or, where makedumpfile left user pages
    /// out, counted in the warning.
    @Test(arguments: sets)
    func kdSearchWithAPidWalksThatTasksUserMappings(dump: String) throws {
        let db = try Self.database(dump)
        let range = try db.query("SELECT min(start), max(\"end\") FROM vmas WHERE pid = 1")[0]
        #expect(try db.query("SELECT count(*) FROM kd_search(\(range[0]), \(range[1]), 0)") == [[.integer(0)]])
        #expect(db.drainWarnings().isEmpty, "the kernel's tables map no user page")
        let found = try db.query("SELECT count(*) FROM kd_search(\(range[0]), \(range[1]), 0, -1, 10, 1)")[0][0]
        let warnings = db.drainWarnings()
        #expect(found == .integer(10) || warnings.contains { $0.contains("mapped pages and 0 page tables are not in the dump") },
                "\(dump): \(found) \(warnings)")
    }

    @Test(arguments: sets)
    func kdPteEndsWhereKdVtopDoes(dump: String) throws {
        let db = try Self.database(dump)
        let levels = try db.query("SELECT value FROM vmcoreinfo WHERE key = 'NUMBER(pgtable_l5_enabled)'").first?[0].string == "1"
            ? ["PGD", "P4D", "PUD", "PMD", "PTE"] : ["PGD", "PUD", "PMD", "PTE"]
        let task = try db.query("SELECT task FROM tasks WHERE pid = 1")[0][0]
        let rows = try db.query("SELECT level, flags, physical, page_size FROM kd_pte(\(task))")
        #expect(levels.starts(with: rows.map { $0[0].string! }), "\(dump): \(rows)")
        let leaf = try #require(rows.last)
        #expect(leaf[2] == (try db.query("SELECT kd_vtop(\(task))")[0][0]))
        #expect(leaf[3] != .null)
        // A task_struct is kernel data: present, writable, not executable, not user.
        let flags = leaf[1].string!.split(separator: "|").map(String.init)
        #expect(flags.contains("PRESENT") && flags.contains("RW") && flags.contains("NX") && !flags.contains("USER"), "\(flags)")
        #expect(rows.dropLast().allSatisfy { $0[3] == .null })
    }

    /// Through init's own tables its first mapping is a user page; the
    /// kernel half is shared, so a kernel address translates the same.
    @Test(arguments: sets)
    func kdPteOfAPidWalksThatTasksPageTables(dump: String) throws {
        let db = try Self.database(dump)
        let start = try db.query("SELECT min(start) FROM vmas WHERE pid = 1")[0][0]
        let user = try db.query("SELECT level, flags FROM kd_pte(\(start), 1)")
        let leaf = try #require(user.last)
        #expect(leaf[0] == .text("PTE") && leaf[1].string!.contains("USER"), "\(dump): \(user)")
        // The kernel's own tables (init_top_pgt) map no user space.
        #expect(try db.query("SELECT physical FROM kd_pte(\(start))").last == [.null])
        let task = try db.query("SELECT task FROM tasks WHERE pid = 1")[0][0]
        #expect(try db.query("SELECT physical FROM kd_pte(\(task), 1) WHERE page_size IS NOT NULL")
            == (try db.query("SELECT kd_vtop(\(task))")))
    }

    @Test(arguments: sets)
    func kdPtovInvertsKdVtopInTheDirectMap(dump: String) throws {
        let db = try Self.database(dump)
        // task_structs are slab objects in the direct map; init_task (swapper/0)
        // is in the kernel image, whose direct-map alias is another address.
        #expect(try db.query("SELECT count(*) FROM tasks WHERE kd_ptov(kd_vtop(task)) != task") == [[.integer(1)]])
        #expect(try db.query("SELECT count(*) FROM tasks WHERE task != (SELECT address FROM symbols WHERE name = 'init_task') AND kd_ptov(kd_vtop(task)) != task") == [[.integer(0)]])
        #expect(try db.query("SELECT kd_btop(8191), kd_btop(8192), kd_ptob(3), kd_ptob(kd_btop(kd_vtop(task))) = kd_vtop(task) & ~4095 FROM tasks WHERE pid = 1")
            == [[.integer(1), .integer(2), .integer(12288), .integer(1)]])
    }

    /// `sleep 100001 | cat`: cat sleeps in pipe_read() on the pipe's read
    /// wait queue (pipe_inode_info.rd_wait since 5.5; `wait` before).
    @Test(arguments: sets)
    func waitqOnThePipeListsTheSleepingCat(dump: String) throws {
        let db = try Self.database(dump)
        let set = String(dump.split(separator: "/")[0])
        let cat = try #require(try Fixtures.truthCSV(set, "tasks.csv").first { $0["comm"] == "cat" })
        let pid = try #require(Int64(cat["pid"]!))
        let pipe = try #require(try Fixtures.truthCSV(set, "fds.csv").first { $0["pid"] == cat["pid"] && $0["fd"] == "0" })["target"]
        #expect(pipe?.hasPrefix("pipe:[") == true)
        let rows = try db.query("""
            SELECT f.path, w.pid, w.comm, w.func_symbol, w.flags FROM files f,
                waitq(kd_member(f.inode, 'inode', 'i_pipe') + kd_offsetof('pipe_inode_info', 'rd_wait')) w
            WHERE f.pid = \(pid) AND f.fd = 0
            """)
        // One exclusive waiter (wait_event_interruptible_exclusive in pipe_read).
        #expect(rows == [[.text(pipe!), .integer(pid), .text("cat"), .text("autoremove_wake_function"), .integer(1)]], "\(dump)")
    }

    @Test(arguments: sets)
    func waitqTakesASymbolMemberPathLikeItsAddress(dump: String) throws {
        let db = try Self.database(dump)
        let byPath = try db.query("SELECT entry, pid FROM waitq('init_task.signal->wait_chldexit')")
        let byAddress = try db.query("SELECT entry, pid FROM waitq(kd_symbol_address('init_task.signal->wait_chldexit'))")
        #expect(byPath == byAddress)
        // init (pid 1) waits for its children in do_wait() on its own wait_chldexit.
        #expect(try db.query("""
            SELECT w.pid, w.func_symbol FROM tasks t,
                waitq(kd_member(t.task, 'task_struct', 'signal') + kd_offsetof('signal_struct', 'wait_chldexit')) w
            WHERE t.pid = 1
            """) == [[.integer(1), .text("child_wait_callback")]], "\(dump)")
    }
}
