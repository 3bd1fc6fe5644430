import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlKernel
import KdsqlSQL

/// files, fs and mounts through SQL against the guest's /proc (truth/).
@Suite struct FilesTablesTests {
    static func database(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> KdsqlDatabase {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        return try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func filesEqualsProcFdForEveryTruthProcess(file: String) throws {
        let db = try Self.database(file)
        // The README: pid 1 closed fd 9 (/tmp/kdsql-truth.txt) after writing the truth.
        let truth: [[SQLValue]] = try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv")
            .filter { !($0["pid"] == "1" && $0["fd"] == "9") }
            .map { [.integer(Int64($0["pid"]!)!), .integer(Int64($0["fd"]!)!), .text($0["target"]!)] }
            .sorted { ($0[0].int64!, $0[1].int64!) < ($1[0].int64!, $1[1].int64!) }
        // The crasher started after the snapshot, so it is not in fds.csv (README caveat); its pid
        // is this run's, from truth/crash.txt.
        let crasher = try #require(try CrashRecord(set: Fixtures.sysrq).crasherPid)
        #expect(try db.query("SELECT count(*) FROM files WHERE pid = \(crasher)").first?[0].int64 ?? 0 > 0,
                "the crasher has descriptors in the dump")
        let got = try db.query("SELECT pid, fd, path FROM files WHERE pid <> \(crasher) ORDER BY pid, fd")
        let matching = zip(got, truth).filter { $0 == $1 }.count
        #expect(!truth.isEmpty)
        #expect(got.count == truth.count)
        #expect(matching == truth.count, "\(matching) of \(truth.count) descriptors match")
    }

    @Test func filesWherePidReadsOnlyThatProcess() throws {
        let db = try Self.database()
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv")
        let fdholder = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").first { $0["comm"] == "kdsql-fdholder" })
        let rows = try db.query("SELECT fd, type, path FROM files WHERE pid = \(fdholder["pid"]!) ORDER BY fd")
        #expect(rows.map { [$0[0], $0[2]] } == truth.filter { $0["pid"] == fdholder["pid"] }.map { [.integer(Int64($0["fd"]!)!), .text($0["target"]!)] })
        #expect(rows.first { $0[2].string == "/tmp/kdsql-fifo" }?[1] == .text("FIFO"))
        #expect(rows.first { $0[2].string == "/etc/hostname" }?[1] == .text("REG"))
        #expect(db.context.rowsVisited["files"] == UInt64(rows.count))
        let walker = try db.context.session(neededBy: "test").tasks()
        let index = try walker.pidIndex()
        #expect(index.lookups == 1, "one IDR lookup")
        #expect(walker.visited == 0, "no walk of the task list")
    }

    struct Missing: Error {}

    @Test func socketAndPipeInodeNumbersAreTheNumbersInTheirNames() throws {
        let db = try Self.database()
        let rows = try db.query("SELECT count(*), sum(path = printf('socket:[%d]', ino)) FROM files WHERE type = 'SOCK'")
        let truthSockets = try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv").filter { $0["target"]!.hasPrefix("socket:[") }.count
        #expect(rows == [[.integer(Int64(truthSockets)), .integer(Int64(truthSockets))]])
        let pipes = try db.query("SELECT count(*), sum(path = printf('pipe:[%d]', ino)) FROM files WHERE path LIKE 'pipe:%'")
        #expect(pipes.first?[0] == pipes.first?[1])
    }

    @Test func everyProcessIsRootedAtSlash() throws {
        let db = try Self.database()
        // The README: a single mount namespace with the initramfs on /, nobody chroots.
        let n = Int64(try TaskTruth(set: Fixtures.sysrq).userProcessesAtCrash)
        #expect(try db.query("SELECT count(*), sum(root = '/'), sum(cwd LIKE '/%') FROM fs") == [[.integer(n), .integer(n), .integer(n)]])
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func mountsEqualsMountinfo(file: String) throws {
        let db = try Self.database(file)
        let truth: [[SQLValue]] = try Fixtures.truthCSV(Fixtures.sysrq, "mounts.csv").map {
            [.text($0["device"]!), .text($0["mountpoint"]!), .text($0["fstype"]!), .text($0["options"]!),
             .integer(Int64($0["mount_id"]!)!), .integer(Int64($0["parent_id"]!)!), .text($0["major_minor"]!)]
        }
        let got = try db.query("SELECT devname, mount_point, fstype, options, mount_id, parent_id, dev FROM mounts")
        #expect(got == truth)
        #expect(truth.count == 7)
    }
}
