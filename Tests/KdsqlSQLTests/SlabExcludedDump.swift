#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import FixtureSupport
@testable import KdsqlDump
import KdsqlMemory

/// Makes what Debian 12's makedumpfile 1.7.2 `-d 31` makes of a 6.10+ kernel,
/// deterministically: a copy of the complete 6.12 `-d 23` kdump whose second
/// bitmap leaves out every page that `struct page` says is slab, so every
/// object in a slab cache (task_structs, files, sockets, pids) is missing.
///
/// Since 6.10 slab is a page type, not a flag: include/linux/page-flags.h
/// (6.12) `enum pagetype { ... PGTY_slab = 0xf5 ... }` and
/// `folio_test_slab()` is `page_type >> 24 == PGTY_slab` on the folio's head
/// page (VMCOREINFO `NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)` = PGTY_slab << 24).
/// Tail pages of a slab folio (`compound_head` bit 0 set) belong to it.
///
/// The copy keeps the page data; the second bitmap and the page descriptor
/// table (one entry per dumped page, in pfn order) lose the dropped pages,
/// and the data moves up to follow the shorter table, as makedumpfile lays it out.
/// Made once into ~/.cache/kdsql/scratch (or $TMPDIR) and reused.
enum SlabExcludedDump {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func path() throws -> String {
        let source = try Fixtures.path(Fixtures.sysrq612, Fixtures.dump612)
        var dir = "/tmp"
        if let home = getenv("HOME") { dir = String(cString: home) + "/.cache/kdsql/scratch" }
        var partial = ""
        for c in dir.split(separator: "/") { partial += "/" + c; mkdir(partial, 0o755) }
        let source_ = try MappedFile(path: source)
        let target = dir + "/linux-6.12-cloud-amd64-slab-excluded-v2-\(source_.size).kdump"
        if access(target, R_OK) == 0 { return target }
        let bytes = try make(from: source)
        let temporary = target + ".\(getpid()).tmp"
        guard let f = fopen(temporary, "w") else { throw Failure(description: "cannot write \(temporary)") }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        guard n == bytes.count, rename(temporary, target) == 0 else { unlink(temporary); throw Failure(description: "cannot write \(target)") }
        return target
    }

    /// The pfns whose struct page says slab (head pages and their tails).
    static func slabPageFrames(_ kernel: Kernel) throws -> Set<UInt64> {
        let info = kernel.vmcoreinfo
        guard let pageSize = info.size("page"), let mapcount = info.offset("page", "_mapcount"),
              let compoundHead = info.offset("page", "compound_head"),
              let slabValue = info.number("PAGE_SLAB_MAPCOUNT_VALUE") else {
            throw Failure(description: "VMCOREINFO lacks SIZE(page), OFFSET(page._mapcount), OFFSET(page.compound_head) or NUMBER(PAGE_SLAB_MAPCOUNT_VALUE): not a 6.10+ kernel")
        }
        let slabType = UInt32(truncatingIfNeeded: slabValue) >> 24
        let vmemmap = try kernel.readU64(try kernel.address(of: "vmemmap_base"))
        func structPage(_ pfn: UInt64) -> UInt64 { vmemmap + pfn * UInt64(pageSize) }
        func isSlabHead(_ page: UInt64) -> Bool {
            guard let type = try? kernel.readU32(page + UInt64(mapcount)) else { return false }
            return type >> 24 == slabType
        }
        var out = Set<UInt64>()
        for pfn in kernel.dump.presentPageFrames() {
            let page = structPage(pfn)
            if isSlabHead(page) { out.insert(pfn); continue }
            if let head = try? kernel.readU64(page + UInt64(compoundHead)), head & 1 == 1, isSlabHead(head - 1) { out.insert(pfn) }
        }
        return out
    }

    static func make(from source: String) throws -> [UInt8] {
        let kernel = try Kernel.open(path: source)
        guard let dump = kernel.dump as? KdumpCompressedFile else { throw Failure(description: "\(source) is not a kdump-compressed file") }
        let slab = try slabPageFrames(kernel)
        guard slab.count > 100 else { throw Failure(description: "only \(slab.count) slab pages found") }
        let file = try MappedFile(path: source)
        var bytes = Array(try file.bytes(at: 0, count: Int(file.size), what: "source"))
        func u32(_ o: Int) -> UInt32 { bytes[o..<(o + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } }
        // disk_dump_header: block_size at 428, sub_hdr_size 432, bitmap_blocks 436 (see KdumpCompressedFile).
        let block = Int(u32(428)), subBlocks = Int(u32(432)), bitmapBlocks = Int(u32(436))
        let secondBitmap = block * (1 + subBlocks) + bitmapBlocks * block / 2
        let table = Int(dump.descriptorTable)
        let present = dump.presentPageFrames()
        var kept: [UInt8] = []
        kept.reserveCapacity(present.count * 24)
        let dropped = present.filter { slab.contains($0) }.count
        // The data moves up by the descriptors removed, so that it starts
        // right after the table as makedumpfile writes it.
        let shift = UInt64(dropped * 24)
        for (i, pfn) in present.enumerated() {
            if slab.contains(pfn) {
                bytes[secondBitmap + Int(pfn >> 3)] &= ~(1 << UInt8(pfn & 7))
            } else {
                var desc = Array(bytes[(table + i * 24)..<(table + i * 24 + 24)])
                let offset = desc.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } - shift
                withUnsafeBytes(of: offset.littleEndian) { for k in 0..<8 { desc[k] = $0[k] } }
                kept.append(contentsOf: desc)
            }
        }
        return Array(bytes[..<table]) + kept + bytes[(table + present.count * 24)...]
    }
}
