import KdsqlMemory
import KdsqlDebugInfo

/// The memory map (x86_64 SPARSEMEM_VMEMMAP, arch/x86/include/asm/pgtable_64_types.h):
/// `struct page` of page frame `pfn` is at `vmemmap_base + pfn * sizeof(struct page)`,
/// and the direct map puts frame `pfn` at `page_offset_base + pfn * 4096`
/// (both bases randomised under KASLR, kept in those variables).
public struct PageMap {
    public let kernel: Kernel
    public let vmemmap: UInt64
    public let pageOffset: UInt64
    public let pageStructSize: UInt64
    public let maxPfn: UInt64
    let flags: FieldRef
    let slabBit: Int64?
    let pageType: FieldRef?, slabType: Int64?
    /// 6.10 and 6.11: `enum pagetype { PG_slab = 0x1000, PAGE_TYPE_BASE = 0xf0000000 }`.
    let invertedSlabBit: UInt32?, pageTypeBase: UInt32?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        vmemmap = try kernel.readU64(try kernel.address(of: "vmemmap_base"))
        pageOffset = try kernel.readU64(try kernel.address(of: "page_offset_base"))
        pageStructSize = UInt64(try kernel.size(of: "struct page"))
        maxPfn = try kernel.readU64(try kernel.address(of: "max_pfn"))
        flags = try kernel.field("struct page", "flags")
        // enum pageflags (include/linux/page-flags.h): PG_slab up to 6.9. Since
        // 6.12 a slab is marked by the top byte of `page_type` being PGTY_slab
        // (enum pagetype). 6.10 and 6.11 made slab a page type first, with the
        // older inverted encoding: page_type starts as -1 and __SetPageSlab
        // clears the PG_slab bit (0x1000) of `enum pagetype`, so
        // PageType(page, PG_slab) is (page_type & (PAGE_TYPE_BASE | PG_slab))
        // == PAGE_TYPE_BASE (include/linux/page-flags.h at v6.10). No fixture
        // runs 6.10/6.11, so this branch is read from the source, not a dump.
        let bit = kernel.enumValue("pageflags", "PG_slab", fallback: -1)
        slabBit = bit < 0 ? nil : bit
        let type = kernel.enumValue("pagetype", "PGTY_slab", fallback: -1)
        slabType = type < 0 ? nil : type
        pageType = try? kernel.field("struct page", "page_type")
        let inverted = kernel.enumValue("pagetype", "PG_slab", fallback: -1)
        let base = kernel.enumValue("pagetype", "PAGE_TYPE_BASE", fallback: 0)
        (invertedSlabBit, pageTypeBase) = slabBit == nil && slabType == nil && inverted > 0 && base != 0
            ? (UInt32(truncatingIfNeeded: inverted), UInt32(truncatingIfNeeded: base)) : (nil, nil)
    }

    public func page(pfn: UInt64) -> UInt64 { vmemmap &+ pfn &* pageStructSize }
    public func pfn(page: UInt64) -> UInt64 { (page &- vmemmap) / pageStructSize }
    public func virtualAddress(pfn: UInt64) -> UInt64 { pageOffset &+ pfn << 12 }

    /// The page frame of a kernel virtual address (direct map or translated).
    public func pfn(of address: UInt64) throws -> UInt64 {
        if address >= pageOffset && address < pageOffset &+ (maxPfn << 12) { return (address - pageOffset) >> 12 }
        return try kernel.translate(address) >> 12
    }

    /// True when the page is the head of a slab; nil when this kernel's way
    /// of marking slabs is not known.
    public func isSlab(page: UInt64) throws -> Bool? {
        if let slabBit { return try kernel.readUnsigned(page, flags) & (1 << UInt64(slabBit)) != 0 }
        if let slabType, let pageType { return Int64(try kernel.readUnsigned(page, pageType) >> 24) == slabType }
        if let invertedSlabBit, let pageTypeBase, let pageType {
            let t = UInt32(truncatingIfNeeded: try kernel.readUnsigned(page, pageType))
            return t & (pageTypeBase | invertedSlabBit) == pageTypeBase
        }
        return nil
    }

    /// The head page of `page`, given its `compound_head` / `compound_info`
    /// word. Bit 0 marks a tail page (include/linux/page-flags.h); the rest is
    /// the head's address, or, in 7.x kernels whose `struct page` size is a
    /// power of two, a mask that clears the tail's index within its compound
    /// page (`head = page & info`: 0xfffffffffffffe01 for an order-3 slab of
    /// 64-byte pages in the 7.3 fixture). A mask is all ones above a run of
    /// zeros, which no vmemmap address is.
    public static func compoundHead(page: UInt64, info: UInt64) -> UInt64 {
        guard info & 1 != 0 else { return page }
        let bits = info & ~1
        let low = ~bits &+ 1  // 2^k for a mask ~(2^k - 1)
        if bits != 0 && low & (low &- 1) == 0 { return page & bits }
        return bits
    }

    /// Whether this kernel's slab pages can be recognised.
    public var knowsSlabPages: Bool { slabBit != nil || (pageType != nil && (slabType != nil || invertedSlabBit != nil)) }
}
