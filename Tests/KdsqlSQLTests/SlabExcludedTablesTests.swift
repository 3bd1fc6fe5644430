import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// On a 6.12 dump without its slab pages (what Debian 12's makedumpfile
/// `-d 31` writes for 6.10+ kernels) every table still finishes: objects on
/// missing pages are skipped and counted in kdsql_warnings, and each row
/// shown is a true one: the complete dump of the same memory has it, with
/// the same values wherever the damaged one has a value.
@Suite(.serialized) struct SlabExcludedTablesTests {
    static func database(_ path: String, strict: Bool = false) throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: path, options: .init(strict: strict))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel, options: .init(strict: strict)))
    }

    /// What identifies a row of each table, and the columns compared.
    static let queries: [(table: String, sql: String)] = [
        ("tasks", "SELECT pid, tgid, ppid, comm, state, uid FROM tasks"),
        ("vmas", "SELECT pid, start, \"end\", perms, path FROM vmas"),
        ("files", "SELECT pid, fd, path FROM files"),
        ("stack_frames", "SELECT pid, frame, symbol FROM stack_frames"),
        ("mm", "SELECT pid, total_vm_kb, rss_kb FROM mm"),
        ("sockets", "SELECT sock, family, protocol, state, local_addr FROM sockets"),
        ("modules", "SELECT name, size FROM modules"),
        ("net_addresses", "SELECT ifname, family, address, prefix_len FROM net_addresses"),
        ("mounts", "SELECT mount, devname, mount_point, fstype FROM mounts"),
        ("runqueues", "SELECT cpu, pid, comm, class, is_current FROM runqueues"),
        ("timers", "SELECT cpu, base, timer, expires, function FROM timers"),
        ("hrtimers", "SELECT cpu, clock_base, timer, expires, function FROM hrtimers"),
    ]

    static func rows(_ db: KdsqlDatabase, _ sql: String) throws -> [[SQLValue]] { try db.query(sql) }

    /// A damaged row matches a clean one when every non-NULL value agrees.
    static func matches(_ damaged: [SQLValue], _ clean: [SQLValue]) -> Bool {
        zip(damaged, clean).allSatisfy { d, c in d == .null || d == c }
    }

    @Test(arguments: queries.map(\.table))
    func everyListedTableFinishesWithOnlyTrueRows(table: String) throws {
        let sql = Self.queries.first { $0.table == table }!.sql
        let damaged = try Self.database(try SlabExcludedDump.path())
        let clean = try Self.database(try Fixtures.path(Fixtures.sysrq612, Fixtures.dump612))
        let got = try Self.rows(damaged, sql)
        let truth = try Self.rows(clean, sql)
        for row in got {
            #expect(truth.contains { Self.matches(row, $0) }, "\(table): \(row) is not in the complete dump")
        }
        #expect(got.count <= truth.count)
        // Whatever was skipped is on record.
        if got.count < truth.count {
            let warnings = try damaged.query("SELECT count(*) FROM kdsql_warnings WHERE table_name = '\(table)' OR table_name IS NULL OR table_name = 'tasks'")
            #expect(warnings.first?.first != .integer(0), "\(table) lost rows without a warning")
        }
    }

    /// Every table, not only the listed ones: a walker whose own structure
    /// (a list node, a tree root) sits on a missing page ends its scan with
    /// the rows read so far and a warning, never the statement.
    @Test func everyTableFinishesOnTheDamagedDump() throws {
        let damaged = try Self.database(try SlabExcludedDump.path())
        for table in damaged.definitions.tables where !table.columns.contains(where: \.isArgument) {
            do {
                _ = try damaged.query("SELECT * FROM \(table.name)")
            } catch {
                Issue.record("SELECT * FROM \(table.name): \(error)")
            }
        }
    }

    /// The run queues' tasks (migration/N, kworkers) are slab objects: each
    /// is skipped with a warning, and the idle task (static init_task) stays.
    @Test func runQueuesSkipTheTasksTheDumpLacks() throws {
        let damaged = try Self.database(try SlabExcludedDump.path())
        let rows = try damaged.query("SELECT cpu, pid, comm FROM runqueues WHERE cpu = 0")
        #expect(rows.contains([.integer(0), .integer(0), .text("swapper/0")]))
        let skipped = try damaged.query("SELECT sum(count) FROM kdsql_warnings WHERE table_name = 'runqueues' AND message LIKE 'task_struct unreadable%'")
        #expect(skipped[0][0] != .null)
    }

    /// Timers embedded in slab objects are skipped; those in static or
    /// per-CPU data (clocksource_watchdog, tick_nohz_handler) are still listed.
    @Test func timersOnMissingPagesAreSkippedNotFatal() throws {
        let damaged = try Self.database(try SlabExcludedDump.path())
        let wheel = try damaged.query("SELECT count(*) FROM timers WHERE function = 'clocksource_watchdog'")
        #expect(wheel[0][0] == .integer(1))
        let hr = try damaged.query("SELECT count(*) FROM hrtimers WHERE function = 'tick_nohz_handler'")
        #expect(hr[0][0] != .integer(0))
        let warnings = try damaged.query("SELECT count(*) FROM kdsql_warnings WHERE table_name IN ('timers', 'hrtimers')")
        #expect(warnings[0][0] != .integer(0))
    }

    @Test func theDamagedDumpReallyLacksSlabObjects() throws {
        let damaged = try Self.database(try SlabExcludedDump.path())
        let clean = try Self.database(try Fixtures.path(Fixtures.sysrq612, Fixtures.dump612))
        let d = try damaged.query("SELECT count(*) FROM tasks")[0][0]
        let c = try clean.query("SELECT count(*) FROM tasks")[0][0]
        #expect(d != c)
        let warnings = try damaged.query("SELECT sum(count) FROM kdsql_warnings")
        #expect(warnings[0][0] != .null)
    }

    @Test func strictStopsAtTheFirstUnreadableObject() throws {
        let damaged = try Self.database(try SlabExcludedDump.path(), strict: true)
        #expect(throws: (any Error).self) { _ = try damaged.query("SELECT count(*) FROM files") }
    }
}
