import Testing
import FixtureSupport
@testable import KdsqlDump

/// All sysrq dumps were taken from one stopped guest, so every page present in
/// two of them must read the same bytes.
@Suite struct CrossFormatTests {
    static func open(_ file: String) throws -> any DumpFile {
        try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, file))
    }

    /// Compares page by page; returns how many pages matched.
    static func comparePages(_ a: any DumpFile, _ b: any DumpFile, _ pfns: [UInt64]) throws -> Int {
        var pa = [UInt8](repeating: 0, count: 4096), pb = pa
        var equal = 0
        for pfn in pfns {
            try pa.withUnsafeMutableBytes { try a.read(physical: pfn << 12, into: $0) }
            try pb.withUnsafeMutableBytes { try b.read(physical: pfn << 12, into: $0) }
            if pa == pb { equal += 1 } else { Issue.record("page frame 0x\(String(pfn, radix: 16)) differs") }
        }
        return equal
    }

    @Test func everyPageInBothElfAndZlibKdumpReadsTheSameBytes() throws {
        let elf = try Self.open("vmcore-mdf-d31.elf"), kdump = try Self.open("vmcore-mdf-d31-zlib.kdump")
        let inElf = Set(elf.presentPageFrames())
        let common = kdump.presentPageFrames().filter { inElf.contains($0) }
        #expect(common.count > 1000)
        #expect(try Self.comparePages(elf, kdump, common) == common.count)
    }

    @Test func lzoKdumpHoldsTheSamePagesAsZlibKdump() throws {
        let lzo = try Self.open("vmcore-mdf-d31-lzo.kdump"), zlib = try Self.open("vmcore-mdf-d31-zlib.kdump")
        let pfns = zlib.presentPageFrames()
        #expect(lzo.presentPageFrames() == pfns)
        #expect(try Self.comparePages(lzo, zlib, pfns) == pfns.count)
    }

    @Test func flattenedStreamHoldsTheSamePagesAsZlibKdump() throws {
        let flat = try Self.open("vmcore-mdf-d31-zlib.flat"), zlib = try Self.open("vmcore-mdf-d31-zlib.kdump")
        let pfns = zlib.presentPageFrames()
        #expect(flat.presentPageFrames() == pfns)
        #expect(try Self.comparePages(flat, zlib, pfns) == pfns.count)
    }

    @Test func readsCrossingPageBoundariesMatchTheElf() throws {
        let elf = try Self.open("vmcore-mdf-d31.elf"), kdump = try Self.open("vmcore-mdf-d31-zlib.kdump")
        let pfns = kdump.presentPageFrames()
        let pairs = zip(pfns, pfns.dropFirst()).filter { $0.1 == $0.0 + 1 }.prefix(20)
        #expect(pairs.count == 20)
        for (first, _) in pairs {
            let at = first << 12 + 4096 - 100
            #expect(try kdump.read(physical: at, count: 300) == elf.read(physical: at, count: 300))
        }
    }
}
