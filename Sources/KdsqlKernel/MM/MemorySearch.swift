import KdsqlDump
import KdsqlMemory

/// crash's `search`: the aligned 8-byte words of a virtual or physical range
/// that equal a value under a mask.
///
/// Only memory that exists is read. A virtual range is walked through the
/// page tables (X86_64Translator.nextMappedRun), so an unmapped hole costs
/// one table read per missing entry (a missing PGD entry skips 512 GiB), not
/// a probe per word; a physical range visits only the page frames the dump
/// holds (its page bitmap). Pages the dump left out are skipped and counted.
/// The caller bounds the number of matches; the scan itself is bounded by
/// the memory the dump holds.
public final class MemorySearch: IteratorProtocol {
    public struct Match: Sendable, Equatable {
        public var address: UInt64
        public var value: UInt64
    }

    public enum Space {
        /// Virtual addresses through the page tables at `root` (physical; 0: the kernel's).
        case virtual(root: UInt64)
        case physical
    }

    let kernel: Kernel
    let translator: X86_64Translator
    let space: Space
    let end: UInt64
    let value: UInt64
    let mask: UInt64
    /// Next address to look at (8-byte aligned).
    private var cursor: UInt64
    private var done = false
    private var pending: [Match] = []
    private var pendingIndex = 0
    /// Present page frames, for physical searches.
    private var frames: [UInt64] = []
    private var frameIndex = 0
    private var page = [UInt8](repeating: 0, count: 4096)
    /// Pages read and compared.
    public private(set) var pagesScanned = 0
    /// Mapped pages the dump does not hold.
    public private(set) var pagesMissing = 0
    /// Page-table pages the dump does not hold (their range counts as unmapped).
    public private(set) var tablesMissing = 0

    /// Searches [start, end) (end 0: to the top of the address space).
    public init(kernel: Kernel, space: Space, start: UInt64, end: UInt64, value: UInt64, mask: UInt64 = ~0) throws {
        guard let translator = kernel.translator as? X86_64Translator else {
            throw MemoryError.missing("memory search walks x86_64 page tables; this dump's architecture has no page-table walker")
        }
        self.kernel = kernel
        self.translator = translator
        self.space = space
        self.end = end
        self.value = value & mask
        self.mask = mask
        // Round up to the first aligned word.
        let aligned = (start &+ 7) & ~7
        self.cursor = aligned
        if aligned < start || (end != 0 && aligned >= end) { done = true }
        if case .physical = space {
            frames = kernel.dump.presentPageFrames()
            let first = aligned / translator.pageSize
            // First present frame >= the start's frame (binary search).
            var lo = 0, hi = frames.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if frames[mid] < first { lo = mid + 1 } else { hi = mid }
            }
            frameIndex = lo
        }
    }

    public func next() -> Match? {
        while pendingIndex >= pending.count {
            if done { return nil }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            scanNextPage()
        }
        pendingIndex += 1
        return pending[pendingIndex - 1]
    }

    private func before(_ a: UInt64) -> Bool { end == 0 || a < end }

    /// Scans the next page that exists, from `cursor`, into `pending`.
    private func scanNextPage() {
        let pageSize = translator.pageSize
        switch space {
        case .virtual(let root):
            guard let run = translator.nextMappedRun(from: cursor, end: end, root: root, unreadableTables: &tablesMissing) else {
                done = true
                return
            }
            let va = run.virtual
            // To the end of this page or of the run (the run is clipped to `end`); 0 is the top.
            let count = min(((va & ~(pageSize - 1)) &+ pageSize) &- va, run.size)
            scan(virtual: va, physical: run.physical, count: Int(count))
            cursor = va &+ count
            if cursor == 0 || !before(cursor) { done = true }
        case .physical:
            guard frameIndex < frames.count else { done = true; return }
            let pfn = frames[frameIndex]
            frameIndex += 1
            let base = pfn * pageSize
            guard before(base) else { done = true; return }
            let from = max(base, cursor)
            let to = end != 0 ? min(base + pageSize, end) : base + pageSize
            guard from < to else { return }
            scan(virtual: from, physical: from, count: Int(to - from))
            cursor = to
        }
    }

    /// Compares the words of one page's part [physical, physical+count).
    private func scan(virtual: UInt64, physical: UInt64, count: Int) {
        guard count >= 8 else { return }
        let ok: Bool = page.withUnsafeMutableBytes { buffer in
            do {
                try kernel.dump.read(physical: physical, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
                return true
            } catch {
                return false
            }
        }
        guard ok else { pagesMissing += 1; return }
        pagesScanned += 1
        page.withUnsafeBytes { bytes in
            var offset = 0
            while offset + 8 <= count {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                if word & mask == value { pending.append(Match(address: virtual &+ UInt64(offset), value: word)) }
                offset += 8
            }
        }
    }
}
