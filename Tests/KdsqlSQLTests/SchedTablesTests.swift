import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// `runqueues` and `cpus` through SQL, against the README's crash facts:
/// bash pid 212 panicked on CPU 1; panic() took the other CPU offline.
@Suite("runqueues and cpus tables")
struct SchedTablesTests {
    static func database(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))))
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func runqueuesShowTheCrasherCurrentOnCPU1(file: String) throws {
        let db = try Self.database(file)
        let facts = try CrashRecord(set: Fixtures.sysrq)
        let cpu = try #require(facts.panicCPU), pid = try #require(facts.panicPid), comm = try #require(facts.panicComm)
        #expect(try db.query("SELECT pid, comm, class FROM runqueues WHERE cpu = \(cpu) AND is_current")
                == [[.integer(Int64(pid)), .text(comm), .text("fair")]])
    }

    /// Each CPU has exactly one current row and it agrees with `tasks.is_active`.
    @Test func oneCurrentTaskPerCPUAgreeingWithTasks() throws {
        let db = try Self.database()
        let current = try db.query("SELECT cpu, task FROM runqueues WHERE is_current ORDER BY cpu")
        #expect(current.map { $0[0] } == [.integer(0), .integer(1)])
        let active = try db.query("SELECT task FROM tasks WHERE is_active ORDER BY cpu")
        #expect(current.map { $0[1] } == active.map { $0[0] })
    }

    @Test func cpusShowThePanickingCPUOnlineRunningTheCrasher() throws {
        let db = try Self.database()
        let facts = try CrashRecord(set: Fixtures.sysrq)
        let cpu = try #require(facts.panicCPU), pid = try #require(facts.panicPid), comm = try #require(facts.panicComm)
        #expect(try db.query("SELECT pid, comm, is_online FROM cpus WHERE cpu = \(cpu)")
                == [[.integer(Int64(pid)), .text(comm), .integer(1)]])
        #expect(try db.query("SELECT is_online FROM cpus WHERE cpu = \(1 - cpu)") == [[.integer(0)]])
        // nr_running counts the queued non-idle tasks (add_nr_running()).
        #expect(try db.query("""
            SELECT count(*) FROM cpus c WHERE c.nr_running !=
              (SELECT count(*) FROM runqueues r WHERE r.cpu = c.cpu AND r.class != 'idle')
            """) == [[.integer(0)]])
    }
}
