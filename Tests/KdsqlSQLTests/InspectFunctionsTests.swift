import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// kd_member, kd_value, kd_symbol_address and kd_container_of on every
/// configured kernel generation, checked against the tables that read the
/// same fields through their own walkers (themselves checked against truth).
@Suite struct InspectFunctionsTests {
    static func database(_ g: KernelGeneration) throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
    }

    @Test(arguments: Fixtures.generations)
    func kdMemberCommEqualsTasksCommForEveryTask(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("SELECT comm, kd_member(task, 'task_struct', 'comm') FROM tasks")
        #expect(rows.count > 50, "\(g)")
        for row in rows { #expect(row[0] == row[1], "\(g): \(row)") }
        #expect(db.drainWarnings() == [])
    }

    @Test(arguments: Fixtures.generations)
    func kdMemberFollowsPointersAsTheMmTableReadsThem(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("""
            SELECT m.map_count, kd_member(t.task, 'struct task_struct', 'mm->map_count')
            FROM mm m JOIN tasks t ON t.pid = m.pid
            """)
        #expect(rows.count > 10, "\(g)")
        for row in rows { #expect(row[0] == row[1], "\(g): \(row)") }
    }

    @Test(arguments: Fixtures.generations)
    func kdMemberOfAKernelThreadsMmIsNull(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("SELECT kd_member(task, 'task_struct', 'mm->map_count') FROM tasks WHERE pid = 2")
        #expect(rows == [[.null]], "\(g)")
        #expect(db.drainWarnings() == [])
    }

    @Test(arguments: Fixtures.generations)
    func kdMemberReadsNestedMembersAndArrayElements(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("""
            SELECT sum_exec_runtime_ns = kd_member(task, 'task_struct', 'se.sum_exec_runtime'),
                   prio = kd_member(task, 'task_struct', 'prio'),
                   kd_member(task, 'task_struct', 'cpus_mask.bits[0]') > 0,
                   typeof(kd_member(task, 'task_struct', 'se')),
                   length(kd_member(task, 'task_struct', 'se')) = kd_sizeof('struct sched_entity')
            FROM tasks
            """)
        for row in rows { #expect(row == [.integer(1), .integer(1), .integer(1), .text("blob"), .integer(1)], "\(g): \(row)") }
    }

    @Test func kdMemberNamesTheTypeAndTheMissingMember() throws {
        let db = try Self.database(Fixtures.generations[0])
        #expect(throws: (any Error).self) { try db.query("SELECT kd_member(task, 'task_struct', 'no_such_member') FROM tasks LIMIT 1") }
        do {
            _ = try db.query("SELECT kd_member(task, 'task_struct', 'mm.map_count') FROM tasks LIMIT 1")
            Issue.record("a '.' through a pointer must fail")
        } catch {
            #expect("\(error)".contains("write '->map_count'"), "\(error)")
        }
        do {
            _ = try db.query("SELECT kd_member(task, 'task_struct', 'no_such_member') FROM tasks LIMIT 1")
        } catch {
            #expect("\(error)".contains("task_struct has no member 'no_such_member'"), "\(error)")
        }
    }

    @Test func kdMemberOnUnreadableMemoryIsNullWithAWarning() throws {
        let db = try Self.database(Fixtures.generations[0])
        // The bottom of the direct map's hole: no page table maps it.
        let rows = try db.query("SELECT kd_member(0xffff800000000000, 'task_struct', 'pid')")
        #expect(rows == [[.null]])
        let warnings = try db.query("SELECT message FROM kdsql_warnings WHERE table_name = 'kd_member'")
        #expect(warnings.count == 1)
    }

    @Test(arguments: Fixtures.generations)
    func kdValueOfJiffiesEqualsSysJiffies(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("SELECT kd_value('jiffies'), (SELECT jiffies FROM sys)")
        #expect(rows.count == 1 && rows[0][0] == rows[0][1] && rows[0][0] != .null, "\(g): \(rows)")
    }

    @Test(arguments: Fixtures.generations)
    func kdValueReadsAMemberPathOfAGlobal(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("""
            SELECT kd_value('init_task', 'comm'), kd_value('init_task.comm'),
                   kd_value('init_uts_ns', 'name.release') = (SELECT release FROM sys)
            """)
        #expect(rows == [[.text("swapper/0"), .text("swapper/0"), .integer(1)]], "\(g)")
    }

    @Test(arguments: Fixtures.generations)
    func kdSymbolAddressOfAPathIsTheSymbolPlusTheOffset(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("""
            SELECT kd_symbol_address('init_task.tasks') - kd_symbol_address('init_task') = kd_offsetof('task_struct', 'tasks'),
                   kd_symbol_address('init_task') = (SELECT task FROM tasks WHERE pid = 0 AND comm = 'swapper/0'),
                   kd_symbol_address('no_such_symbol_anywhere') IS NULL
            """)
        #expect(rows == [[.integer(1), .integer(1), .integer(1)]], "\(g)")
    }

    @Test(arguments: Fixtures.generations)
    func kdContainerOfUndoesTheMemberOffset(_ g: KernelGeneration) throws {
        let db = try Self.database(g)
        let rows = try db.query("""
            SELECT count(*) FROM tasks
            WHERE kd_container_of(task + kd_offsetof('task_struct', 'se.vruntime'), 'struct task_struct', 'se.vruntime') = task
            """)
        let total = try db.query("SELECT count(*) FROM tasks")
        #expect(rows == total, "\(g)")
    }
}

/// kd_struct: the members of an object, flattened, with kd_member's values.
@Suite struct KdStructTests {
    @Test(arguments: Fixtures.generations)
    func kdStructGivesThePidRowOfEveryTask(_ g: KernelGeneration) throws {
        let db = try InspectFunctionsTests.database(g)
        let rows = try db.query("""
            SELECT t.pid, s.value, s.type, s.offset = kd_offsetof('task_struct', 'pid'), s.size
            FROM tasks t, kd_struct(t.task, 'task_struct') s WHERE s.member = 'pid'
            """)
        let tasks = try db.query("SELECT count(*) FROM tasks").first?.first?.int64 ?? 0
        #expect(Int64(rows.count) == tasks, "\(g)")
        for row in rows { #expect(row[0] == row[1] && row[2] == .text("pid_t") && row[3] == .integer(1) && row[4] == .integer(4), "\(g): \(row)") }
    }

    @Test(arguments: Fixtures.generations)
    func kdStructFlattensNestedMembersIntoDottedPaths(_ g: KernelGeneration) throws {
        let db = try InspectFunctionsTests.database(g)
        let rows = try db.query("""
            SELECT member, value = kd_member(t.task, 'task_struct', member), offset = kd_offsetof('task_struct', member)
            FROM tasks t, kd_struct(t.task, 'struct task_struct') WHERE t.pid = 1
              AND member IN ('comm', 'se.vruntime', 'se.load.weight', 'tasks.next', 'mm')
            """)
        #expect(Set(rows.compactMap { $0[0].string }) == ["comm", "se.vruntime", "se.load.weight", "tasks.next", "mm"], "\(g)")
        for row in rows { #expect(row[1] == .integer(1) && row[2] == .integer(1), "\(g): \(row)") }
    }

    @Test(arguments: Fixtures.generations)
    func kdStructMarksBitfields(_ g: KernelGeneration) throws {
        let db = try InspectFunctionsTests.database(g)
        // task_struct's sched_reset_on_fork is a 1-bit field (include/linux/sched.h).
        let rows = try db.query("""
            SELECT bit_size, value BETWEEN 0 AND 1 FROM kd_struct(kd_symbol_address('init_task'), 'task_struct')
            WHERE member = 'sched_reset_on_fork'
            """)
        #expect(rows == [[.integer(1), .integer(1)]], "\(g)")
    }
}

/// With a debug vmlinux, kd_value reads any global: DWARF has every
/// variable's type (BTF only the per-CPU ones).
@Suite struct KdValueFromDWARFTests {
    static let sets = [(Fixtures.sysrq, Fixtures.sysrqDumps[1]), (Fixtures.sysrq612, Fixtures.dump612)]

    static func database(_ set: String, _ dump: String) throws -> KdsqlDatabase {
        let vmlinux = try Fixtures.debugVmlinux(release: try Fixtures.kernelRelease(set))
        let kernel = try Kernel.open(path: try Fixtures.path(set, dump), options: Kernel.Options(vmlinuxPath: vmlinux))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
    }

    @Test(arguments: sets.map(\.0))
    func kdValueReadsGlobalsKdsqlHasNoTableFor(_ set: String) throws {
        let dump = try #require(Self.sets.first { $0.0 == set }).1
        let db = try Self.database(set, dump)
        let rows = try db.query("""
            SELECT kd_value('linux_banner'), kd_value('linux_banner') = kd_read_string(kd_symbol_address('linux_banner')),
                   kd_value('nr_threads') = (SELECT count(*) FROM tasks WHERE pid > 0)
            """)
        let version = String(try Fixtures.truth(set, "version.txt").split(separator: "\n").first ?? "")
        #expect(rows.first?[0].string?.hasPrefix("Linux version ") == true)
        #expect(rows.first?[0].string?.contains(version) == true, "\(rows)")
        #expect(Array(rows.first?.dropFirst() ?? []) == [.integer(1), .integer(1)], "\(set): \(rows)")
    }
}
