import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// VMAs from the maple tree against the guest's /proc/PID/maps (truth/maps.csv).
@Suite struct MemoryMapsTests {
    struct Row: Equatable, CustomStringConvertible {
        var start, end: UInt64; var perms: String; var offset: UInt64; var dev: String; var inode: UInt64; var path: String
        var description: String {
            "\(String(start, radix: 16))-\(String(end, radix: 16)) \(perms) \(String(offset, radix: 16)) \(dev) \(inode) \(path)"
        }
    }

    static func hex(_ s: String) -> UInt64 { UInt64(s.dropFirst(2), radix: 16)! }

    static func truth() throws -> [Int64: [Row]] {
        var out: [Int64: [Row]] = [:]
        for r in try Fixtures.truthCSV(Fixtures.sysrq, "maps.csv") {
            out[Int64(r["pid"]!)!, default: []].append(Row(
                start: hex(r["start"]!), end: hex(r["end"]!), perms: r["perms"]!, offset: hex(r["offset"]!),
                dev: r["dev"]!, inode: UInt64(r["inode"]!)!, path: r["path"]!))
        }
        return out
    }

    static func rows(_ maps: MemoryMaps, tasks: Tasks, pid: Int64) throws -> [Row] {
        let task = try #require(try tasks.lookup(pid: pid).first, "pid \(pid) not in the dump")
        let mm = try tasks.mm(task)
        return try maps.vmas(mm: mm).map { v in
            Row(start: try maps.start(v), end: try maps.end(v), perms: MemoryMaps.perms(flags: try maps.flags(v)),
                offset: try maps.offset(v), dev: MemoryMaps.deviceText(try maps.device(v)),
                inode: try maps.inodeNumber(v), path: try maps.name(v, mm: mm))
        }
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func everyVMAOfEveryTruthProcessMatchesProcMaps(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let tasks = try Tasks(kernel: kernel)
        let maps = try MemoryMaps(kernel: kernel)
        let truth = try Self.truth()
        var compared = 0, matching = 0
        for (pid, expected) in truth where pid != 1 {
            let got = try Self.rows(maps, tasks: tasks, pid: pid)
            #expect(got == expected, "pid \(pid):\n got \(got)\n want \(expected)")
            compared += expected.count
            matching += zip(got, expected).filter { $0 == $1 }.count
        }
        // The README: pid 1 was running while it wrote the truth; every other process is unchanged.
        #expect(compared == truth.filter { $0.key != 1 }.values.map(\.count).reduce(0, +))
        #expect(matching == compared, "\(matching) of \(compared) VMAs match")
        #expect(compared > 1500)
    }

    /// The README: pid 1 kept running after the snapshot, so its map "may
    /// differ slightly". In this dump only its heap grew (brk moved up).
    @Test func initDiffersFromTheSnapshotOnlyInItsHeapEnd() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let got = try Self.rows(try MemoryMaps(kernel: kernel), tasks: try Tasks(kernel: kernel), pid: 1)
        let want = try #require(try Self.truth()[1])
        #expect(got.count == want.count)
        for (g, w) in zip(got, want) {
            if w.path == "[heap]" {
                #expect(g.start == w.start && g.end >= w.end && g.perms == w.perms)
            } else {
                #expect(g == w)
            }
        }
    }
}
