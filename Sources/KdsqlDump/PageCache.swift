#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A bounded cache of decompressed dump pages, scan-resistant by the 2Q
/// policy (Johnson & Shasha, VLDB 1994):
///
/// - a page seen for the first time enters `A1in`, a FIFO of about 1/4 of the
///   capacity; a full sequential scan only cycles through A1in;
/// - a page hit again while in A1in, or re-read soon after A1in dropped it
///   (its number is still in the ghost list `A1out`), moves to `Am`, an LRU
///   list holding the rest of the capacity; only Am pages are "hot";
/// - when a slot is needed, A1in's oldest page goes first while A1in is over
///   its share, otherwise Am's least recently used page.
///
/// Correlated references (2Q's "correlated reference period"): a walker
/// reads several fields of one object, with reads of other pages in between
/// (a task's list pointer, then its signal_struct, then its pid). A hit on an
/// A1in page among the last `correlationWindow` pages inserted is such a
/// re-read, not a re-use: the page stays in A1in. Later hits promote it to
/// Am at once. Promoting every re-read filled the slab with pages a scan
/// used once (a 9,000-task scan grew to 42 MB of fresh, kernel-zeroed memory
/// instead of A1in's 16 MB), and zeroing fresh memory costs about as much as
/// decompressing into it.
///
/// Pages live in one slab reserved with mmap(MAP_NORESERVE): slots are handed
/// out in order, so RSS grows with the pages actually cached, not with the
/// bound; a full A1in recycles its own oldest slot before a fresh one is
/// taken, so a page seen once never costs a page fault of its own. Metadata are flat arrays indexed by slot; the pfn → slot map is an
/// open-addressing hash table (linear probing, backward-shift deletion, key
/// pfn+1 so that zero-filled memory is an empty table). A hit is one hash
/// probe, a list splice and the caller's memcpy; nothing allocates.
public final class PageCache {
    public let pageSize: Int
    public let capacityPages: Int
    /// A1in's share of the capacity: 2Q's Kin, 25%, but at most 4 MiB. A
    /// page seen once costs a fresh, kernel-zeroed slot only until A1in is
    /// full, so a larger A1in is paid for in page zeroing by every scan: at
    /// 16 MiB (a 64 MiB cache) that was 8 ms of a 9,366-task scan's 85 ms,
    /// while 4 MiB changed its misses by 0.1% (10,434 against 10,426; VMAs
    /// and open files 0.2-0.3%).
    let inLimit: Int
    static let inLimitBytes = 4 << 20
    /// Ghost entries kept for pages A1in dropped (2Q's Kout, 50%).
    let ghostCapacity: Int

    private let slab: UnsafeMutableRawPointer
    private let slabBytes: Int
    /// The mmap reservation the slab sits in (nil: heap fallback), kept for munmap.
    private let reservation: (base: UnsafeMutableRawPointer, bytes: Int)?
    /// Transparent huge pages are 2 MiB on x86_64 and arm64 with 4 KiB pages.
    private static let hugePage = 2 << 20
    private var slotsHanded = 0
    private var freeSlot: Int32 = -1

    // Per slot.
    private let slotKey: UnsafeMutablePointer<UInt64>
    private let prev: UnsafeMutablePointer<Int32>
    private let next: UnsafeMutablePointer<Int32>
    private let queue: UnsafeMutablePointer<UInt8>
    /// Per slot: `insertions` when its page was inserted.
    private let insertedAt: UnsafeMutablePointer<UInt32>
    private var insertions: UInt32 = 0
    /// Hits on A1in pages this recent (in insertions) are correlated re-reads.
    let correlationWindow: UInt32
    private static let inA1in: UInt8 = 1, inAm: UInt8 = 2

    // Lists: head = most recent, tail = next victim.
    private var a1inHead: Int32 = -1, a1inTail: Int32 = -1, a1inCount = 0
    private var amHead: Int32 = -1, amTail: Int32 = -1, amCount = 0

    // Ghost ring (A1out): keys of pages A1in evicted, oldest overwritten first.
    private let ghostKey: UnsafeMutablePointer<UInt64>
    private var ghostNext = 0

    // Hash: key = pfn+1 (0 = empty); value >= 0 is a slot, < 0 is ghost -(i+1).
    private let hashKeys: UnsafeMutablePointer<UInt64>
    private let hashValues: UnsafeMutablePointer<Int32>
    private let hashMask: Int
    private let hashShift: UInt64

    private var counters = PageCacheStats()

    /// - Parameters:
    ///   - capacityBytes: bound on cached page bytes (at least 16 pages are kept).
    ///   - pageSize: bytes per page (the dump's block size).
    public init(capacityBytes: Int, pageSize: Int = 4096) {
        self.pageSize = pageSize
        let pages = max(16, capacityBytes / max(pageSize, 1))
        capacityPages = pages
        inLimit = max(1, min(pages / 4, Self.inLimitBytes / max(pageSize, 1)))
        ghostCapacity = max(1, pages / 2)
        // A walker's re-reads of one object come within a few dozen pages; a
        // small cache keeps the window well inside A1in.
        correlationWindow = UInt32(min(64, inLimit / 4))
        slabBytes = pages * pageSize
        // The slab is 2 MiB-aligned and advised for transparent huge pages: a scan
        // that fills 10,000 slots then takes 20 page faults instead of 10,000 (the
        // kernel's fault and clear_page per 4 KiB slot were a third of a 9,000-task
        // scan's time). Without THP (or with it off) nothing changes.
        let reserve = slabBytes + Self.hugePage
        let p = mmap(nil, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        if let p, p != MAP_FAILED {
            let aligned = (Int(bitPattern: p) + Self.hugePage - 1) & ~(Self.hugePage - 1)
            slab = UnsafeMutableRawPointer(bitPattern: aligned)!
            reservation = (p, reserve)
            _ = madvise(slab, slabBytes, MADV_HUGEPAGE)
        } else {
            // No address space for a reservation: fall back to the heap.
            slab = UnsafeMutableRawPointer.allocate(byteCount: slabBytes, alignment: 4096)
            reservation = nil
        }
        slotKey = .allocate(capacity: pages)
        prev = .allocate(capacity: pages)
        next = .allocate(capacity: pages)
        queue = .allocate(capacity: pages)
        insertedAt = .allocate(capacity: pages)
        ghostKey = calloc(ghostCapacity, MemoryLayout<UInt64>.stride)!.assumingMemoryBound(to: UInt64.self)
        var tableSize = 16
        while tableSize < 2 * (pages + ghostCapacity) { tableSize <<= 1 }
        hashMask = tableSize - 1
        hashShift = UInt64(64 - tableSize.trailingZeroBitCount)
        // calloc: large blocks come zeroed from mmap and stay non-resident until probed.
        hashKeys = calloc(tableSize, MemoryLayout<UInt64>.stride)!.assumingMemoryBound(to: UInt64.self)
        hashValues = calloc(tableSize, MemoryLayout<Int32>.stride)!.assumingMemoryBound(to: Int32.self)
        counters.capacityBytes = UInt64(slabBytes)
    }

    deinit {
        if let reservation { munmap(reservation.base, reservation.bytes) } else { slab.deallocate() }
        slotKey.deallocate(); prev.deallocate(); next.deallocate(); queue.deallocate(); insertedAt.deallocate()
        free(ghostKey); free(hashKeys); free(hashValues)
    }

    /// Counters so far.
    public var stats: PageCacheStats {
        var s = counters
        s.residentBytes = UInt64((a1inCount + amCount) * pageSize)
        return s
    }

    /// Counts a hit the caller served itself (its remembered last page).
    @inline(__always)
    public func countHit() { counters.hits &+= 1 }

    /// Adds to the decompression counters (the caller decoded a page).
    @inline(__always)
    public func countDecoded(bytes: Int) {
        counters.pagesRead &+= 1
        counters.bytesDecompressed &+= UInt64(bytes)
    }

    /// The cached page `pfn`, or nil (counted as a miss).
    @inline(__always)
    public func lookup(_ pfn: UInt64) -> UnsafeRawPointer? {
        let i = find(pfn &+ 1)
        guard i >= 0, hashValues[i] >= 0 else {
            counters.misses &+= 1
            return nil
        }
        let slot = hashValues[i]
        touch(slot)
        counters.hits &+= 1
        return UnsafeRawPointer(slab + Int(slot) * pageSize)
    }

    /// Whether page `pfn` is cached; counts nothing and changes no order.
    @inline(__always)
    public func contains(_ pfn: UInt64) -> Bool {
        let i = find(pfn &+ 1)
        return i >= 0 && hashValues[i] >= 0
    }

    /// Takes a slot for `pfn`, lets `fill` write the page into it, and returns
    /// the cached page. If `fill` throws, nothing is cached.
    public func insert(_ pfn: UInt64, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows -> UnsafeRawPointer {
        let key = pfn &+ 1
        let existing = find(key)
        if existing >= 0, hashValues[existing] >= 0 {
            // Already cached (a caller that skipped lookup): refresh and return it.
            let slot = hashValues[existing]
            touch(slot)
            return UnsafeRawPointer(slab + Int(slot) * pageSize)
        }
        let wasGhost = existing >= 0
        let slot = takeSlot()
        let page = slab + Int(slot) * pageSize
        do {
            try fill(UnsafeMutableRawBufferPointer(start: page, count: pageSize))
        } catch {
            next[Int(slot)] = freeSlot
            freeSlot = slot
            throw error
        }
        slotKey[Int(slot)] = key
        insertions &+= 1
        insertedAt[Int(slot)] = insertions
        // A page re-read while its ghost is remembered was evicted too early:
        // it is hot. (Look again: eviction may have shifted or dropped entries.)
        let ghost = wasGhost ? find(key) : -1
        if ghost >= 0 {
            hashValues[ghost] = slot
            pushFront(slot, am: true)
        } else {
            hashInsert(key, slot)
            pushFront(slot, am: false)
        }
        return UnsafeRawPointer(page)
    }

    // MARK: - Policy

    @inline(__always)
    private func touch(_ slot: Int32) {
        if queue[Int(slot)] == PageCache.inAm {
            if amHead == slot { return }
        } else if insertions &- insertedAt[Int(slot)] < correlationWindow {
            return  // a correlated re-read: stays in A1in
        }
        unlink(slot)
        pushFront(slot, am: true)
    }

    private func takeSlot() -> Int32 {
        if freeSlot >= 0 {
            let s = freeSlot
            freeSlot = next[Int(s)]
            return s
        }
        // Recycle before growing: once A1in holds its share, a new page takes
        // A1in's oldest slot (its number goes to the ghost list as usual)
        // rather than a fresh one. The slab then grows only with the pages
        // that proved hot (Am) plus A1in's quarter, not with every page a
        // scan passes once: the first write to a fresh slot is a page fault
        // and the kernel zeroing the page (about 20 µs each, measured on a
        // loaded virtual machine), and RSS stays low.
        if a1inCount >= inLimit && a1inTail >= 0 {
            let victim = a1inTail
            unlink(victim)
            remember(slotKey[Int(victim)])
            counters.evictions &+= 1
            return victim
        }
        if slotsHanded < capacityPages {
            slotsHanded += 1
            return Int32(slotsHanded - 1)
        }
        let victim: Int32
        if a1inCount > inLimit || amCount == 0 {
            victim = a1inTail
            unlink(victim)
            remember(slotKey[Int(victim)])
        } else {
            victim = amTail
            unlink(victim)
            hashDelete(slotKey[Int(victim)])
        }
        counters.evictions &+= 1
        return victim
    }

    /// Moves a key evicted from A1in into the ghost ring (its hash entry now
    /// names the ghost), forgetting the oldest ghost.
    private func remember(_ key: UInt64) {
        let g = ghostNext
        ghostNext = ghostNext + 1 == ghostCapacity ? 0 : ghostNext + 1
        let old = ghostKey[g]
        if old != 0 {
            let i = find(old)
            if i >= 0 && hashValues[i] == -Int32(g + 1) { hashDeleteAt(i) }
        }
        ghostKey[g] = key
        let i = find(key)
        if i >= 0 { hashValues[i] = -Int32(g + 1) }
    }

    @inline(__always)
    private func unlink(_ slot: Int32) {
        let s = Int(slot)
        let p = prev[s], n = next[s]
        let am = queue[s] == PageCache.inAm
        if p >= 0 { next[Int(p)] = n } else if am { amHead = n } else { a1inHead = n }
        if n >= 0 { prev[Int(n)] = p } else if am { amTail = p } else { a1inTail = p }
        if am { amCount -= 1 } else { a1inCount -= 1 }
        queue[s] = 0
    }

    @inline(__always)
    private func pushFront(_ slot: Int32, am: Bool) {
        let s = Int(slot)
        prev[s] = -1
        if am {
            next[s] = amHead
            if amHead >= 0 { prev[Int(amHead)] = slot } else { amTail = slot }
            amHead = slot
            amCount += 1
            queue[s] = PageCache.inAm
        } else {
            next[s] = a1inHead
            if a1inHead >= 0 { prev[Int(a1inHead)] = slot } else { a1inTail = slot }
            a1inHead = slot
            a1inCount += 1
            queue[s] = PageCache.inA1in
        }
    }

    // MARK: - Hash table

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> hashShift)
    }

    /// Index of `key` in the table, or -1.
    @inline(__always)
    private func find(_ key: UInt64) -> Int {
        var i = home(key)
        while true {
            let k = hashKeys[i]
            if k == key { return i }
            if k == 0 { return -1 }
            i = (i + 1) & hashMask
        }
    }

    private func hashInsert(_ key: UInt64, _ value: Int32) {
        var i = home(key)
        while hashKeys[i] != 0 && hashKeys[i] != key { i = (i + 1) & hashMask }
        hashKeys[i] = key
        hashValues[i] = value
    }

    private func hashDelete(_ key: UInt64) {
        let i = find(key)
        if i >= 0 { hashDeleteAt(i) }
    }

    /// Backward-shift deletion keeps probe chains intact without tombstones.
    private func hashDeleteAt(_ index: Int) {
        var hole = index
        var j = index
        while true {
            j = (j + 1) & hashMask
            let k = hashKeys[j]
            if k == 0 { break }
            let h = home(k)
            // Move k into the hole unless its home lies cyclically in (hole, j].
            let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !inRange {
                hashKeys[hole] = k
                hashValues[hole] = hashValues[j]
                hole = j
            }
        }
        hashKeys[hole] = 0
        hashValues[hole] = 0
    }
}
