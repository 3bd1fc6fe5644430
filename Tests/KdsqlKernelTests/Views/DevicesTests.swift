import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Device majors against /proc/devices and disks against /proc/partitions
/// and /proc/diskstats (truth/devices.csv, partitions.csv, diskstats.csv).
@Suite struct DevicesTests {
    static func kernel(_ dump: String) throws -> Kernel {
        try Kernel.open(path: try Fixtures.path(dump))
    }

    @Test(arguments: Fixtures.viewsSets) func majorsAreThoseOfProcDevices(set: String) throws {
        let majors = try DeviceMajors(kernel: try Self.kernel(try Fixtures.viewsEntry(set)))
        let truth = try Fixtures.truthCSV(set, "devices.csv")
        let chars = Set(try majors.characterDevices().map { "\($0.major) \($0.name)" })
        let blocks = Set(try majors.blockDevices().map { "\($0.major) \($0.name)" })
        #expect(chars == Set(truth.filter { $0["type"] == "char" }.map { "\($0["major"]!) \($0["name"]!)" }))
        #expect(blocks == Set(truth.filter { $0["type"] == "block" }.map { "\($0["major"]!) \($0["name"]!)" }))
    }

    @Test(arguments: Fixtures.viewsSets) func disksAndPartitionsAreThoseOfProcPartitions(set: String) throws {
        let disks = try Disks(kernel: try Self.kernel(try Fixtures.viewsEntry(set))).all()
        let truth = try Fixtures.truthCSV(set, "partitions.csv")
        #expect(disks.map(\.name) == truth.map { $0["name"]! })
        for (d, r) in zip(disks, truth) {
            #expect(d.major == Int64(r["major"]!)! && d.minor == Int64(r["minor"]!)!, "\(d.name) dev")
            #expect(d.sizeKB == Int64(r["blocks_1k"]!)!, "\(d.name) size")
            #expect(d.partition == (Int64(r["partition_no"]!) ?? 0), "\(d.name) partition")
            if let start = Int64(r["start_sector"]!) { #expect(d.startSector == start, "\(d.name) start") }
        }
    }

    /// The data disk was idle after the capture: its counters are exact; the
    /// swap disk's only grew (the hog's pages kept being written).
    @Test(arguments: Fixtures.viewsSets) func ioCountersMatchProcDiskstats(set: String) throws {
        let disks = Dictionary(try Disks(kernel: try Self.kernel(try Fixtures.viewsEntry(set))).all().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for r in try Fixtures.truthCSV(set, "diskstats.csv") {
            let d = try #require(disks[r["name"]!])
            let reads = Int64(r["reads"]!)!, writes = Int64(r["writes"]!)!
            if d.name.hasPrefix("vdb") {
                #expect(d.reads == reads && d.writes == writes && d.readSectors == Int64(r["sectors_read"]!)!, "\(d.name)")
            } else {
                #expect(d.reads >= reads && d.writes >= writes, "\(d.name): dump \(d.reads)/\(d.writes), truth \(reads)/\(writes)")
            }
            #expect(d.inFlight == nil, "virtio-blk is blk-mq: in-flight requests are not counted per CPU")
        }
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelListsItsMajorsAndDisks(dump: String) throws {
        let kernel = try Self.kernel(dump)
        let majors = try DeviceMajors(kernel: kernel)
        #expect(try majors.characterDevices().contains { $0.major == 1 && $0.name == "mem" })
        let disks = try Disks(kernel: kernel).all()
        for d in disks { #expect(d.sizeKB >= 0 && d.reads >= 0, "\(d.name)") }
    }
}
