import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// The user-defined tables shipped in Examples/tables, loaded as a user
/// would (`--tables Examples/tables`), checked against the truth recorded in
/// the guest and against the built-in tables over the same structures.
@Suite struct ExampleTablesTests {
    static func database(_ set: String, _ dump: String) throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: try Fixtures.path(set, dump))
        var tables = UserTableSet.load(paths: [Fixtures.packageRoot + "/Examples/tables"], includeDefaultDirectory: false)
        tables.bind(to: kernel)
        #expect(tables.errors == [])
        #expect(Set(tables.definitions.map(\.name)) == ["kmem_caches", "superblocks", "cpu_run_queues"])
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel), extraDefinitions: tables.definitions,
                                 extraTables: tables.registrations)
    }

    @Test(arguments: Fixtures.generations)
    func kmemCachesAreTheSlabCachesTable(_ g: KernelGeneration) throws {
        let db = try Self.database(g.sysrq, g.dump)
        let mine = try db.query("SELECT address, name, object_size, size, flags, refcount FROM kmem_caches ORDER BY address")
        let builtin = try db.query("SELECT address, name, object_size, size, flags, refcount FROM slab_caches ORDER BY address")
        #expect(mine.count > 50, "\(g)")
        #expect(mine == builtin, "\(g)")
    }

    @Test func kmemCachesHaveTheNamesAndSizesOfSlabinfo() throws {
        let db = try Self.database(Fixtures.views, "vmcore-mdf-d31-zlib.kdump")
        let truth = try Fixtures.truthCSV(Fixtures.views, "slabinfo.csv")
        #expect(truth.count > 50)
        let mine = Dictionary(try db.query("SELECT name, size FROM kmem_caches").map { ($0[0].string ?? "", $0[1].int64 ?? -1) }) { a, _ in a }
        for row in truth {
            let name = row["name"] ?? ""
            #expect(mine[name] == Int64(row["objsize"] ?? ""), "\(name)")
        }
        #expect(mine.count == truth.count)
    }

    @Test(arguments: Fixtures.generations)
    func superblocksHoldEveryMountedFilesystemOfMountinfo(_ g: KernelGeneration) throws {
        let db = try Self.database(g.sysrq, g.dump)
        let mine = Set(try db.query("SELECT (dev >> 20) || ':' || (dev & 1048575), fs_type FROM superblocks").map {
            "\($0[0].string ?? "") \($0[1].string ?? "")"
        })
        let mountinfo = try Fixtures.truth(g.sysrq, "mountinfo.txt").split(separator: "\n")
        #expect(mountinfo.count > 5)
        for line in mountinfo {
            // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let fstype = fields[dash + 1].split(separator: ".").first.map(String.init) ?? ""
            #expect(mine.contains("\(fields[2]) \(fstype)"), "\(g): \(line)")
        }
    }

    @Test(arguments: Fixtures.generations)
    func superblocksAreTheMountsSuperblocks(_ g: KernelGeneration) throws {
        let db = try Self.database(g.sysrq, g.dump)
        let missing = try db.query("""
            SELECT m.superblock FROM mounts m WHERE m.superblock NOT IN (SELECT address FROM superblocks)
            """)
        #expect(missing == [], "\(g)")
    }

    @Test(arguments: Fixtures.generations)
    func cpuRunQueuesAreTheCpusTable(_ g: KernelGeneration) throws {
        let db = try Self.database(g.sysrq, g.dump)
        let mine = try db.query("SELECT address, cpu, nr_running, curr_pid, curr_comm FROM cpu_run_queues ORDER BY cpu")
        let builtin = try db.query("SELECT rq, cpu, nr_running, pid, comm FROM cpus ORDER BY cpu")
        #expect(mine == builtin, "\(g)")
        // Every CPU the guest had online (truth/proc-stat.txt's cpuN lines) has a run queue.
        let stat = try Fixtures.truth(g.sysrq, "proc-stat.txt").split(separator: "\n")
        let online = stat.filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }.count
        #expect(online > 0 && mine.count >= online, "\(g)")
    }
}
