import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// Every table on every configured kernel generation (Fixtures.generations):
/// `SELECT *` answers without an error or a warning, from the dump alone, and
/// the same rows as with `-m System.map`.
@Suite struct GenerationTablesTests {
    /// Every kernel table but `symbols` (the -dbg System.map of the shared sets
    /// lists linker symbols kallsyms leaves out) and the type tables (no symbols involved).
    static let tables = ["sys", "cpus", "tasks", "vmas", "mm", "cmdline", "files", "mounts", "fs", "log", "modules",
                         "module_symbols", "net_devices", "net_addresses", "sockets", "timers", "hrtimers", "runqueues",
                         "stack_frames", "registers", "panic", "taint", "oops", "vmcoreinfo"]

    static func database(_ g: KernelGeneration, systemMap: Bool) throws -> KdsqlDatabase {
        let options = Kernel.Options(systemMapPath: systemMap ? try Fixtures.path(g.sysrq, g.systemMap) : nil)
        let kernel = try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump), options: options)
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel, options: .init()))
    }

    @Test(arguments: Fixtures.generations)
    func everyTableAnswersWithoutWarningsAndAsWithTheSystemMap(_ g: KernelGeneration) throws {
        let zero = try Self.database(g, systemMap: false)
        let mapped = try Self.database(g, systemMap: true)
        for table in Self.tables {
            // sys names where the symbols came from; everything else must be identical.
            let sql = table == "sys" ? "SELECT * FROM sys" : "SELECT * FROM \(table)"
            let a = try zero.query(sql)
            #expect(zero.drainWarnings() == [], "\(g) \(table) (zero-file)")
            let b = try mapped.query(sql)
            #expect(mapped.drainWarnings() == [], "\(g) \(table) (-m)")
            #expect(!a.isEmpty || table == "oops", "\(g) \(table): no rows")
            if table == "sys" {
                #expect(a.count == b.count, "\(g) sys")
            } else {
                #expect(a == b, "\(g) \(table): zero-file and -m differ")
            }
        }
    }
}
