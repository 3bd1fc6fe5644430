import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// Tables defined in `.kdt` text with a `source` clause, served without
/// Swift, on every configured kernel generation: they agree with the
/// built-in tables that walk the same structures (themselves checked against
/// truth), and with the truth where it records the same thing.
@Suite struct UserTablesTests {
    /// The definitions exactly as the documentation gives them.
    static let documented = """
        table my_processes "Thread-group leaders on init_task's tasks list" {
            source list_head "init_task.tasks" of "task_struct" via "tasks";
            column pid       INTEGER from "pid"           "Process id";
            column comm      TEXT    from "comm"          "Command name";
            column map_count INTEGER from "mm->map_count" "Number of VMAs; NULL for kernel threads";
        }
        table my_modules "Loaded modules" {
            source list_head "modules" of "module" via "list";
            column name   TEXT    from "name"           "Module name";
            column refcnt INTEGER from "refcnt.counter" "Reference count";
        }
        """

    static func kernel(_ g: KernelGeneration) throws -> Kernel {
        try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump))
    }

    static func database(_ kernel: Kernel, _ text: String, file: String = "test.kdt") throws -> (KdsqlDatabase, UserTableSet) {
        var set = UserTableSet()
        set.add(text: text, file: file)
        set.bind(to: kernel)
        let db = try KdsqlDatabase(context: ConnectionContext(kernel: kernel), extraDefinitions: set.definitions, extraTables: set.registrations)
        return (db, set)
    }

    @Test(arguments: Fixtures.generations)
    func myProcessesAreTheThreadGroupLeadersOfTasks(_ g: KernelGeneration) throws {
        let (db, set) = try Self.database(try Self.kernel(g), Self.documented)
        #expect(set.errors == [])
        let mine = try db.query("SELECT pid, comm FROM my_processes ORDER BY pid")
        let builtin = try db.query("SELECT pid, comm FROM tasks WHERE pid = tgid AND pid > 0 ORDER BY pid")
        #expect(mine.count > 50, "\(g)")
        #expect(mine == builtin, "\(g)")
        #expect(db.drainWarnings() == [])
    }

    @Test(arguments: Fixtures.generations)
    func myProcessesMapCountIsTheMmTablesAndNullForKernelThreads(_ g: KernelGeneration) throws {
        let (db, _) = try Self.database(try Self.kernel(g), Self.documented)
        let rows = try db.query("""
            SELECT p.pid, p.map_count, m.map_count, t.is_kernel_thread
            FROM my_processes p JOIN tasks t ON t.pid = p.pid LEFT JOIN mm m ON m.pid = p.pid
            """)
        #expect(rows.count > 50)
        for row in rows {
            if row[3] == .integer(1) { #expect(row[1] == .null, "\(g): \(row)") } else { #expect(row[1] == row[2], "\(g): \(row)") }
        }
        #expect(rows.contains { $0[3] == .integer(0) && $0[1] != .null })
    }

    @Test(arguments: Fixtures.generations)
    func myModulesAgreeWithModulesAndTheTruth(_ g: KernelGeneration) throws {
        let (db, _) = try Self.database(try Self.kernel(g), Self.documented)
        let mine = try db.query("SELECT name, refcnt - 1 FROM my_modules ORDER BY name")
        let builtin = try db.query("SELECT name, refcount FROM modules ORDER BY name")
        #expect(!mine.isEmpty && mine == builtin, "\(g)")
        let truth = try Fixtures.truthCSV(g.sysrq, "modules.csv").map { $0["name"] ?? "" }.sorted()
        #expect(mine.map { $0[0].string ?? "" } == truth, "\(g)")
    }

    @Test(arguments: Fixtures.generations)
    func addressIsHiddenAndPushedDown(_ g: KernelGeneration) throws {
        let (db, _) = try Self.database(try Self.kernel(g), Self.documented)
        let star = try db.query("SELECT * FROM my_modules LIMIT 1")
        #expect(star.first?.count == 2)
        let rows = try db.query("""
            SELECT t.pid, p.pid FROM tasks t JOIN my_processes p ON p.address = t.task WHERE t.pid = t.tgid AND t.pid > 0
            """)
        let leaders = try db.query("SELECT count(*) FROM tasks WHERE pid = tgid AND pid > 0").first?.first?.int64 ?? 0
        #expect(rows.count > 50 && Int64(rows.count) == leaders, "\(g)")
        for row in rows { #expect(row[0] == row[1], "\(g)") }
        let plan = try db.query("EXPLAIN QUERY PLAN SELECT pid FROM my_processes WHERE address = 1").map { $0.map(\.description).joined(separator: " ") }
        #expect(plan.contains { $0.contains("VIRTUAL TABLE INDEX") && $0.contains("3e,") }, "\(plan)")
        // An address that is no module: no row, even though it is readable.
        let none = try db.query("SELECT count(*) FROM my_modules WHERE address = kd_symbol_address('init_task')")
        #expect(none == [[.integer(0)]])
    }

    @Test(arguments: Fixtures.generations)
    func everySourceKindServesRows(_ g: KernelGeneration) throws {
        let kernel = try Self.kernel(g)
        let (db, set) = try Self.database(kernel, """
            table u_runqueues "per-CPU" {
                source percpu "runqueues" of "rq";
                column cpu INTEGER from "@index" "CPU";
                column curr_pid INTEGER from "curr->pid" "running pid";
            }
            table u_init "one object" {
                source object "init_task" of "task_struct";
                column comm TEXT "name";
            }
            table u_pids "the initial pid namespace's IDR" {
                source xarray "init_pid_ns.idr.idr_rt" of "pid";
                column nr INTEGER from "numbers[0].nr" "pid";
            }
            table u_proc "the entries of /proc's root directory" {
                source rbtree "proc_root.subdir" of "proc_dir_entry" via "subdir_node";
                column name TEXT "entry name";
            }
            table u_cpu_offsets "the per-CPU offsets" {
                source array "__per_cpu_offset" of "unsigned long" count "nr_cpu_ids";
                column offset INTEGER from "" "offset";
            }
            """)
        #expect(set.errors == [], "\(g)")
        #expect(try db.query("SELECT cpu, curr_pid FROM u_runqueues ORDER BY cpu") == db.query("SELECT cpu, pid FROM cpus ORDER BY cpu"), "\(g)")
        #expect(try db.query("SELECT comm FROM u_init") == [[.text("swapper/0")]])
        let pids = try db.query("SELECT nr FROM u_pids ORDER BY nr").compactMap { $0[0].int64 }
        let tasks = try db.query("SELECT DISTINCT pid FROM tasks WHERE pid > 0 ORDER BY pid").compactMap { $0[0].int64 }
        #expect(!tasks.isEmpty && Set(tasks).isSubset(of: Set(pids)), "\(g)")
        let proc = try db.query("SELECT name FROM u_proc").compactMap { $0[0].string }
        #expect(proc.contains("meminfo") && proc.contains("sys") && Set(proc).count == proc.count, "\(g): \(proc)")
        let cpus = try db.query("SELECT count(*) FROM cpus")
        #expect(try db.query("SELECT count(*) FROM u_cpu_offsets") == cpus, "\(g)")
    }

    @Test func unknownMemberFailsAtLoadWithFileLineColumnAndTheName() throws {
        let (db, set) = try Self.database(try Self.kernel(Fixtures.generations[0]), """
            table bad "x" {
                source list_head "init_task.tasks" of "task_struct" via "tasks";
                column pid INTEGER from "pidd" "typo";
            }
            """, file: "bad.kdt")
        #expect(set.definitions.isEmpty)
        #expect(set.errors.map(\.description) == ["bad.kdt:3:29: column 'pid' of table 'bad': task_struct has no member 'pidd'"])
        // The built-in tables are all there.
        #expect(try db.query("SELECT count(*) FROM tasks").first?.first?.int64 ?? 0 > 0)
    }

    @Test func unknownTypeFailsAtItsLocation() throws {
        let (_, set) = try Self.database(try Self.kernel(Fixtures.generations[0]), """
            table bad "x" {
                source list_head "modules" of "modul" via "list";
                column name TEXT "n";
            }
            """, file: "t.kdt")
        #expect(set.errors.map(\.description) == ["t.kdt:2:32: table 'bad': type 'modul' not found in this kernel's type information"])
    }

    @Test func wrongSourceKindFailsAtParse() throws {
        var set = UserTableSet()
        set.add(text: "table bad \"x\" {\n  source linked_list \"modules\" of \"module\" via \"list\";\n  column name TEXT \"n\";\n}\n", file: "k.kdt")
        #expect(set.errors.map(\.description) == ["k.kdt:2:10: unknown source kind 'linked_list' (expected list_head, hlist_head, rbtree, xarray, percpu, array, object)"])
    }

    @Test func viaMustBeTheRightLinkType() throws {
        let (_, set) = try Self.database(try Self.kernel(Fixtures.generations[0]), """
            table bad "x" {
                source list_head "modules" of "module" via "name";
                column state INTEGER "s";
            }
            """, file: "v.kdt")
        #expect(set.errors.first?.description.hasPrefix("v.kdt:2:48: table 'bad': module.name is char [56], not struct list_head") == true,
                "\(set.errors)")
    }

    @Test func columnTypeMustFitTheMember() throws {
        let (_, set) = try Self.database(try Self.kernel(Fixtures.generations[0]), """
            table bad "x" {
                source object "init_task" of "task_struct";
                column comm INTEGER from "comm" "wrong type";
            }
            """, file: "c.kdt")
        #expect(set.errors.map(\.description) == ["c.kdt:3:30: column 'comm' is INTEGER but task_struct.comm is char [16]: declare it TEXT"])
    }

    @Test func aBuiltInNameIsRefused() {
        var set = UserTableSet()
        set.add(text: "table tasks \"x\" {\n  source object \"init_task\" of \"task_struct\";\n  column pid INTEGER \"p\";\n}\n", file: "b.kdt")
        #expect(set.errors.map(\.description) == ["b.kdt:1:1: table 'tasks' is a built-in table; give yours another name"])
    }

    @Test(arguments: Fixtures.generations)
    func hlistSourceWalksThePgidListOfTheInitialPid(_ g: KernelGeneration) throws {
        // init_struct_pid's PIDTYPE_PGID list (include/linux/pid.h: pid->tasks[],
        // linked through task_struct.pid_links[]) holds the thread-group
        // leaders whose process group is 0: the kernel threads.
        let (db, set) = try Self.database(try Self.kernel(g), """
            table pgid0 "leaders in process group 0" {
                source hlist_head "init_task.thread_pid->tasks[2]" of "task_struct" via "pid_links[2]";
                column pid INTEGER "pid";
            }
            """)
        #expect(set.errors == [], "\(g)")
        let mine = try db.query("SELECT address FROM pgid0 ORDER BY address")
        let expected = try db.query("""
            SELECT task FROM tasks WHERE pid = tgid AND pid > 0
              AND kd_member(task, 'task_struct', 'signal->pids[2]') = kd_value('init_task', 'thread_pid') ORDER BY task
            """)
        #expect(mine.count > 10 && mine == expected, "\(g): \(mine.count) vs \(expected.count)")
    }

    @Test func aListThatNeverReturnsToItsHeadEndsWithAWarning() throws {
        // The address of init_task.tasks.prev is no list head: following
        // `next` from it runs around the task list without ever coming back.
        let (db, set) = try Self.database(try Self.kernel(Fixtures.generations[0]), """
            table runaway "x" {
                source list_head "init_task.tasks.prev" of "task_struct" via "tasks";
                column pid INTEGER "p";
            }
            """)
        #expect(set.errors == [])
        let rows = try db.query("SELECT pid FROM runaway")
        let leaders = try db.query("SELECT count(*) FROM tasks WHERE pid = tgid").first?.first?.int64 ?? 0
        #expect(Int64(rows.count) <= leaders)
        let warnings = try db.query("SELECT message FROM kdsql_warnings WHERE table_name = 'runaway'")
        #expect(!warnings.isEmpty)
    }
}
