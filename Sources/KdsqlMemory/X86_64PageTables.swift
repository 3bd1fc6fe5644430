import KdsqlDump

/// One level of an x86_64 page-table walk, as crash's `vtop` shows it.
public struct PageTableStep: Sendable, Equatable {
    /// PGD, P4D (5-level paging only), PUD, PMD, PTE.
    public var level: String
    /// Physical address of the entry that was read.
    public var entryAddress: UInt64
    /// The entry's raw value.
    public var entry: UInt64
    /// Physical address the entry leads to: the next table, or for the last
    /// level (a PTE, or a 1 GiB / 2 MiB PSE entry) the byte `va` maps to.
    /// Nil when the entry is not present.
    public var physical: UInt64?
    /// True for the entry that maps the page (PTE, or a PSE entry).
    public var isLeaf: Bool

    /// The entry's bits by name (arch/x86/include/asm/pgtable_types.h, _PAGE_BIT_*),
    /// `PRESENT|RW|ACCESSED|DIRTY|PSE|GLOBAL|NX` as crash's vtop prints them; bit 7
    /// is PSE above the last level and PAT in a PTE.
    public var flags: String { Self.flags(entry, isPTE: level == "PTE") }

    public static func flags(_ e: UInt64, isPTE: Bool) -> String {
        let names: [(UInt64, String)] = [
            (0, "PRESENT"), (1, "RW"), (2, "USER"), (3, "PWT"), (4, "PCD"), (5, "ACCESSED"), (6, "DIRTY"),
            (7, isPTE ? "PAT" : "PSE"), (8, "GLOBAL"), (9, "SOFTW1"), (10, "SOFTW2"), (11, "SOFTW3"),
            (58, "SOFTW4"), (63, "NX"),
        ]
        var out: [String] = []
        for (bit, name) in names where e & (1 << bit) != 0 { out.append(name) }
        // _PAGE_BIT_PAT_LARGE: PAT of a 2 MiB / 1 GiB page lives in bit 12.
        if !isPTE, e & (1 << 7) != 0, e & (1 << 12) != 0 { out.append("PAT_LARGE") }
        let pkey = (e >> 59) & 0xf
        if pkey != 0 { out.append("PKEY=\(pkey)") }
        return out.joined(separator: "|")
    }
}

/// A run of virtual addresses mapped to contiguous physical memory by one
/// leaf entry (a 4 KiB, 2 MiB or 1 GiB page).
public struct MappedRun: Sendable, Equatable {
    public var virtual: UInt64
    public var physical: UInt64
    public var size: UInt64
}

extension X86_64Translator {
    /// Every level `va` goes through from the top-level table at `root`
    /// (physical), stopping at the first entry that is not present or at the
    /// one that maps the page. Throws only when a table page is unreadable.
    public func steps(_ va: UInt64, root: UInt64) throws -> [PageTableStep] {
        var names = ["PGD", "PUD", "PMD", "PTE"]
        var shifts: [UInt64] = [39, 30, 21, 12]
        if fiveLevel {
            names = ["PGD", "P4D", "PUD", "PMD", "PTE"]
            shifts = [48, 39, 30, 21, 12]
        }
        var table = root & Self.addressMask
        var out: [PageTableStep] = []
        for (i, shift) in shifts.enumerated() {
            let entryAddress = table + ((va >> shift) & 0x1ff) * 8
            let e = try memory.readInteger(physical: entryAddress, as: UInt64.self)
            let present = e & Self.presentBit != 0
            let last = i == shifts.count - 1
            let leaf = present && (last || ((shift == 30 || shift == 21) && e & Self.pageSizeBit != 0))
            var physical: UInt64?
            if present {
                if leaf {
                    let pageMask: UInt64 = (1 << shift) - 1
                    physical = (e & Self.addressMask & ~pageMask) | (va & pageMask)
                } else {
                    physical = e & Self.addressMask
                }
            }
            out.append(PageTableStep(level: names[i], entryAddress: entryAddress, entry: e, physical: physical, isLeaf: leaf))
            guard present, !leaf else { break }
            table = e & Self.addressMask
        }
        return out
    }

    /// The first mapped run that ends after `va`, at or below `end` (exclusive;
    /// 0 means the top of the address space), in the tables at `root`.
    /// Holes are skipped a whole entry at a time (a missing PGD entry skips
    /// 512 GiB), so sparse ranges cost a few reads, not a probe per page.
    /// Tables the dump lacks count as holes and are added to `unreadableTables`.
    public func nextMappedRun(from va: UInt64, end: UInt64, root: UInt64, unreadableTables: inout Int) -> MappedRun? {
        let shifts: [UInt64] = fiveLevel ? [48, 39, 30, 21, 12] : [39, 30, 21, 12]
        let vaBits: UInt64 = fiveLevel ? 57 : 48
        // Canonical halves: [0, 2^(bits-1)) and [~0 << (bits-1), 2^64).
        let lowTop: UInt64 = 1 << (vaBits - 1)
        let highBottom: UInt64 = ~(lowTop - 1)
        var cursor = va
        func before(_ a: UInt64) -> Bool { end == 0 || a < end }
        outer: while before(cursor) {
            if cursor >= lowTop && cursor < highBottom { cursor = highBottom; continue }
            var table = kernelRootOrGiven(root) & Self.addressMask
            for (i, shift) in shifts.enumerated() {
                let span: UInt64 = 1 << shift
                let entryAddress = table + ((cursor >> shift) & 0x1ff) * 8
                let e: UInt64
                do {
                    e = try memory.readInteger(physical: entryAddress, as: UInt64.self)
                } catch {
                    unreadableTables += 1
                    e = 0
                }
                let next = (cursor & ~(span - 1)) &+ span
                guard e & Self.presentBit != 0 else {
                    if next == 0 { return nil }   // wrapped past the top
                    cursor = next
                    continue outer
                }
                let last = i == shifts.count - 1
                if last || ((shift == 30 || shift == 21) && e & Self.pageSizeBit != 0) {
                    let base = cursor & ~(span - 1)
                    let pa = (e & Self.addressMask & ~(span - 1)) + (cursor - base)
                    var size = span - (cursor - base)
                    if end != 0, cursor &+ size > end || cursor &+ size == 0 { size = end &- cursor }
                    return MappedRun(virtual: cursor, physical: pa, size: size)
                }
                table = e & Self.addressMask
            }
        }
        return nil
    }

    private func kernelRootOrGiven(_ root: UInt64) -> UInt64 { root == 0 ? kernelRoot : root }
}
