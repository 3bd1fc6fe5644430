import Testing
import FixtureSupport
@testable import KdsqlDump

/// The parallel bulk read (used for the BTF blob) must give exactly the bytes
/// of page-by-page reads, including unaligned ends.
@Suite struct BulkReadTests {
    @Test(arguments: ["vmcore-mdf-d31-zlib.kdump", "vmcore-mdf-d31-lzo.kdump", "vmcore-mdf-d31-zlib.flat"])
    func bulkReadEqualsPageReads(file: String) throws {
        let dump = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let pfns = dump.presentPageFrames()
        // The longest run of consecutive present pages, read from 123 bytes in.
        var bestStart = 0, bestLength = 0, runStart = 0
        for i in 1...pfns.count {
            if i == pfns.count || pfns[i] != pfns[i - 1] + 1 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = i
            }
        }
        #expect(bestLength >= 256)
        let address = pfns[bestStart] * 4096 + 123
        let count = (bestLength - 1) * 4096 - 200
        var bulk = [UInt8](repeating: 0, count: count)
        try bulk.withUnsafeMutableBytes { try dump.readBulk(physical: address, into: $0) }
        let plain = try dump.read(physical: address, count: count)
        #expect(bulk == plain)
    }

    @Test func bulkReadOverAnExcludedPageFails() throws {
        let dump = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let pfns = Set(dump.presentPageFrames())
        // A 1 MiB window starting on a present page and containing an excluded one.
        let start = try #require(pfns.sorted().first { p in pfns.contains(p) && (1..<256).contains { !pfns.contains(p + UInt64($0)) } })
        var buffer = [UInt8](repeating: 0, count: 256 * 4096)
        #expect(throws: DumpError.self) {
            try buffer.withUnsafeMutableBytes { try dump.readBulk(physical: start * 4096, into: $0) }
        }
    }
}
