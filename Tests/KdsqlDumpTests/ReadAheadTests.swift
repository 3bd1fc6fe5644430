import Testing
import FixtureSupport
@testable import KdsqlDump

#if canImport(Glibc)
import Glibc
#endif

/// Pages decoded ahead on another core must be exactly the pages the reader
/// would have decoded, and a page the worker cannot decode is left to the
/// reader.
@Suite struct ReadAheadTests {
    /// Fills a page with its pfn so that a wrong slot is visible.
    static let fillWithPfn: ReadAhead.Decode = { pfn, page in
        for i in stride(from: 0, to: page.count, by: 8) { page.storeBytes(of: pfn, toByteOffset: i, as: UInt64.self) }
        return true
    }

    /// Waits (up to 10 s) until the worker has decoded `count` pages.
    static func waitForDecoded(_ readAhead: ReadAhead, _ count: Int) -> Bool {
        for _ in 0..<10_000 {
            if readAhead.counts.decoded >= count { return true }
            usleep(1000)
        }
        return false
    }

    static func pfnInSlot(_ readAhead: ReadAhead, _ slot: Int) -> (first: UInt64, last: UInt64) {
        var page = [UInt8](repeating: 0, count: readAhead.pageSize)
        page.withUnsafeMutableBytes { readAhead.copy(slot: slot, into: $0) }
        return page.withUnsafeBytes { ($0.load(as: UInt64.self), $0.load(fromByteOffset: $0.count - 8, as: UInt64.self)) }
    }

    @Test func aClaimedPageHoldsWhatTheWorkerDecodedForIt() throws {
        let readAhead = ReadAhead(pageSize: 4096, poolPages: 8, decode: Self.fillWithPfn)
        #expect(readAhead.start())
        defer { readAhead.stop() }
        readAhead.request([11, 12, 13])
        #expect(Self.waitForDecoded(readAhead, 3))
        for pfn: UInt64 in [13, 11, 12] {
            let slot = try #require(readAhead.claim(pfn))
            #expect(Self.pfnInSlot(readAhead, slot) == (pfn, pfn))
            readAhead.release(slot)
        }
        #expect(readAhead.counts == (decoded: 3, used: 3))
    }

    @Test func aPageTheWorkerCannotDecodeIsLeftToTheReader() {
        let readAhead = ReadAhead(pageSize: 4096, poolPages: 8) { pfn, page in
            pfn == 5 ? false : ReadAheadTests.fillWithPfn(pfn, page)
        }
        #expect(readAhead.start())
        defer { readAhead.stop() }
        readAhead.request([5, 6])
        #expect(Self.waitForDecoded(readAhead, 1))
        #expect(readAhead.claim(5) == nil)
        #expect(readAhead.claim(6) != nil)
    }

    @Test func aFullPoolGivesUpItsOldestUnclaimedPage() {
        let readAhead = ReadAhead(pageSize: 4096, poolPages: 2, decode: Self.fillWithPfn)
        #expect(readAhead.start())
        defer { readAhead.stop() }
        readAhead.request([1])
        #expect(Self.waitForDecoded(readAhead, 1))
        readAhead.request([2])
        #expect(Self.waitForDecoded(readAhead, 2))
        readAhead.request([3])
        #expect(Self.waitForDecoded(readAhead, 3))
        #expect(readAhead.claim(1) == nil)
        #expect(readAhead.claim(2) != nil)
        #expect(readAhead.claim(3) != nil)
    }

    @Test func aPageNeverAskedForIsNotThere() {
        let readAhead = ReadAhead(pageSize: 4096, poolPages: 2, decode: Self.fillWithPfn)
        #expect(readAhead.start())
        defer { readAhead.stop() }
        #expect(readAhead.claim(42) == nil)
        #expect(readAhead.counts == (decoded: 0, used: 0))
    }

    static let kdumps = Fixtures.sysrqDumps.filter { $0.hasSuffix(".kdump") }

    /// Every page of the dump read in address order, with a worker from the
    /// first miss on, equals the same page read without one.
    @Test(arguments: kdumps)
    func everyPageReadWithReadAheadEqualsThePageReadWithout(_ dump: String) throws {
        let path = try Fixtures.dumpPath(Fixtures.sysrq, dump)
        let ahead = try KdumpCompressedFile(source: MappedFile(path: path), path: path, cacheBytes: 1 << 20)
        let alone = try KdumpCompressedFile(source: MappedFile(path: path), path: path, cacheBytes: 1 << 20)
        ahead.readAheadAfter = 1
        ahead.readAheadIgnoresLoad = true
        alone.readAheadAfter = .max
        var a = [UInt8](repeating: 0, count: ahead.blockSize), b = a
        var differing = 0
        let pfns = ahead.presentPageFrames()
        for pfn in pfns {
            try a.withUnsafeMutableBytes { try ahead.read(physical: pfn << 12, into: $0) }
            try b.withUnsafeMutableBytes { try alone.read(physical: pfn << 12, into: $0) }
            if a != b {
                differing += 1
                if differing <= 3 { Issue.record("\(dump): page frame 0x\(String(pfn, radix: 16)) differs") }
            }
        }
        #expect(differing == 0)
        #expect(!alone.readsAhead)
        // The pages the reader needed are counted the same either way.
        #expect(ahead.cacheStats.pagesRead == alone.cacheStats.pagesRead)
        if ReadAhead.usableCPUs() >= 2 {
            #expect(ahead.readsAhead)
            #expect(ahead.cacheStats.readAheadDecoded > 0)
        } else {
            #expect(!ahead.readsAhead, "a one-CPU machine must not start a worker")
        }
    }

    @Test func aWorkerStartsOnlyWithACoreToSpare() {
        #expect(ReadAhead.spareCore(cpus: 2, load1: 0.2, runnable: 1))
        #expect(ReadAhead.spareCore(cpus: 2, load1: 1.3, runnable: 1))
        #expect(!ReadAhead.spareCore(cpus: 1, load1: 0, runnable: 1), "one CPU")
        #expect(!ReadAhead.spareCore(cpus: 2, load1: 0.5, runnable: 2), "another task runnable now")
        #expect(!ReadAhead.spareCore(cpus: 2, load1: 2.6, runnable: 1), "a busy last minute")
        #expect(ReadAhead.spareCore(cpus: 8, load1: 4.0, runnable: 3))
    }

    @Test func theLoadAverageIsRead() throws {
        let (load1, runnable) = try #require(ReadAhead.loadAverage())
        #expect(load1 >= 0)
        #expect(runnable >= 1, "this test itself is running")
    }

    @Test func aFlattenedStreamIsReadWithoutAWorker() throws {
        let path = try Fixtures.dumpPath(Fixtures.sysrq, "vmcore-mdf-d31-zlib.flat")
        let file = try KdumpCompressedFile(flattened: MappedFile(path: path))
        file.readAheadAfter = 1
        file.readAheadIgnoresLoad = true
        var page = [UInt8](repeating: 0, count: file.blockSize)
        for pfn in file.presentPageFrames().prefix(64) {
            try page.withUnsafeMutableBytes { try file.read(physical: pfn << 12, into: $0) }
        }
        #expect(!file.readsAhead)
    }
}
