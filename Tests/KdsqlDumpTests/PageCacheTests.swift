import Testing
import FixtureSupport
@testable import KdsqlDump

@Suite struct PageCacheTests {
    /// Fills a page with its pfn so that a wrong slot is visible.
    static func fill(_ pfn: UInt64) -> (UnsafeMutableRawBufferPointer) -> Void {
        { page in
            for i in stride(from: 0, to: page.count, by: 8) { page.storeBytes(of: pfn, toByteOffset: i, as: UInt64.self) }
        }
    }

    static func holds(_ cache: PageCache, _ pfn: UInt64) -> Bool {
        guard let p = cache.lookup(pfn) else { return false }
        return p.load(as: UInt64.self) == pfn && p.load(fromByteOffset: cache.pageSize - 8, as: UInt64.self) == pfn
    }

    @Test func missThenInsertThenHitMovesTheCounters() {
        let cache = PageCache(capacityBytes: 64 * 4096)
        #expect(cache.lookup(7) == nil)
        _ = cache.insert(7, fill: Self.fill(7))
        #expect(Self.holds(cache, 7))
        let s = cache.stats
        #expect(s.misses == 1 && s.hits == 1 && s.evictions == 0)
        #expect(s.residentBytes == 4096 && s.capacityBytes == 64 * 4096)
    }

    @Test func aHotSetHitTwiceSurvivesASequentialScanLargerThanTheCache() {
        let cache = PageCache(capacityBytes: 64 * 4096)
        let hot: [UInt64] = Array(1000..<1008)
        for pfn in hot where cache.lookup(pfn) == nil { _ = cache.insert(pfn, fill: Self.fill(pfn)) }
        // Other pages in between: the second touch comes after the
        // correlation window (4 insertions for this size), so it is a re-use.
        for pfn in UInt64(50)..<58 { _ = cache.insert(pfn, fill: Self.fill(pfn)) }
        for pfn in hot { #expect(Self.holds(cache, pfn)) }          // second touch
        for pfn in UInt64(100_000)..<100_000 + 1000 where cache.lookup(pfn) == nil {
            _ = cache.insert(pfn, fill: Self.fill(pfn))
        }
        #expect(cache.stats.evictions > 900)
        for pfn in hot { #expect(Self.holds(cache, pfn), "hot page \(pfn) was flushed by the scan") }
    }

    @Test func aReReadWithinTheCorrelationWindowDoesNotMakeAPageHot() {
        let cache = PageCache(capacityBytes: 64 * 4096)
        #expect(cache.correlationWindow == 4)
        _ = cache.insert(7, fill: Self.fill(7))
        _ = cache.insert(8, fill: Self.fill(8))
        #expect(Self.holds(cache, 7))          // a walker's second field of the same object
        for pfn in UInt64(10_000)..<11_000 { _ = cache.insert(pfn, fill: Self.fill(pfn)) }
        #expect(cache.lookup(7) == nil, "a correlated re-read was taken for a re-use and kept through the scan")
        #expect(cache.stats.residentBytes <= 16 * 4096)
    }

    @Test func aPageReReadSoonAfterEvictionIsRememberedAsHot() {
        let cache = PageCache(capacityBytes: 64 * 4096)
        _ = cache.insert(5, fill: Self.fill(5))
        // Push 5 out of the probation queue (A1in: 16 of the 64 pages), but
        // not out of the ghost list (the last 32 pages A1in dropped).
        for pfn in UInt64(200)..<240 { _ = cache.insert(pfn, fill: Self.fill(pfn)) }
        #expect(cache.lookup(5) == nil)
        _ = cache.insert(5, fill: Self.fill(5))                         // ghost hit: now hot
        for pfn in UInt64(10_000)..<11_000 { _ = cache.insert(pfn, fill: Self.fill(pfn)) }
        #expect(Self.holds(cache, 5))
    }

    @Test func aScanOfPagesSeenOnceReusesTheProbationSlotsInsteadOfGrowing() {
        let cache = PageCache(capacityBytes: 64 * 4096)
        for pfn in UInt64(0)..<1000 {
            _ = cache.insert(pfn, fill: Self.fill(pfn))
            #expect(cache.stats.residentBytes <= 16 * 4096)     // A1in's quarter of the capacity
        }
        for pfn in UInt64(984)..<1000 { #expect(Self.holds(cache, pfn)) }
        #expect(cache.stats.evictions == 1000 - 16)
    }

    @Test func aLargeCacheKeepsItsProbationQueueAtFourMiB() {
        let cache = PageCache(capacityBytes: 64 << 20)
        #expect(cache.inLimit == 1024)
        for pfn in UInt64(0)..<3000 {
            _ = cache.insert(pfn, fill: Self.fill(pfn))
        }
        #expect(cache.stats.residentBytes == 4 << 20)
        #expect(PageCache(capacityBytes: 1 << 20).inLimit == 64)   // a quarter, below the bound
    }

    @Test func aFailedFillCachesNothing() {
        struct Boom: Error {}
        let cache = PageCache(capacityBytes: 16 * 4096)
        #expect(throws: Boom.self) { _ = try cache.insert(9) { _ in throw Boom() } }
        #expect(cache.lookup(9) == nil)
        #expect(cache.stats.residentBytes == 0)
        _ = cache.insert(9, fill: Self.fill(9))
        #expect(Self.holds(cache, 9))
    }

    @Test func randomWorkloadAlwaysReturnsThePageThatWasStored() {
        let cache = PageCache(capacityBytes: 32 * 4096)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let pfn = UInt64.random(in: 0..<200, using: &rng) &* 0x1_0001   // collide in the hash
            if let p = cache.lookup(pfn) {
                #expect(p.load(as: UInt64.self) == pfn)
            } else {
                _ = cache.insert(pfn, fill: Self.fill(pfn))
            }
            #expect(cache.stats.residentBytes <= cache.stats.capacityBytes)
        }
    }

    @Test func dumpReadsCountOneMissThenHitsAndDecompressedBytes() throws {
        let dump = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let pfns = dump.presentPageFrames()
        let a = pfns[pfns.count / 2], b = pfns[pfns.count / 2 + 1]
        _ = try dump.read(physical: a << 12, count: 8)
        var s = dump.cacheStats
        #expect(s.misses == 1 && s.hits == 0 && s.pagesRead == 1 && s.bytesDecompressed == 4096)
        _ = try dump.read(physical: a << 12 + 8, count: 8)            // same page again
        _ = try dump.read(physical: b << 12, count: 8)
        _ = try dump.read(physical: a << 12 + 16, count: 8)           // back to a: cache hit
        s = dump.cacheStats
        #expect(s.misses == 2 && s.hits == 2 && s.pagesRead == 2 && s.bytesDecompressed == 8192)
    }
}
