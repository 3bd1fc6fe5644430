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

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        vmemmap = try kernel.readU64(try kernel.address(of: "vmemmap_base"))
        pageOffset = try kernel.readU64(try kernel.address(of: "page_offset_base"))
        pageStructSize = UInt64(try kernel.size(of: "struct page"))
        maxPfn = try kernel.readU64(try kernel.address(of: "max_pfn"))
        flags = try kernel.field("struct page", "flags")
        // enum pageflags (include/linux/page-flags.h): PG_slab up to 6.9. Since
        // 6.12 a slab is marked by the top byte of `page_type` being PGTY_slab
        // (enum pagetype); 6.10 and 6.11 used an inverted page_type bit, not read here.
        let bit = kernel.enumValue("pageflags", "PG_slab", fallback: -1)
        slabBit = bit < 0 ? nil : bit
        let type = kernel.enumValue("pagetype", "PGTY_slab", fallback: -1)
        slabType = type < 0 ? nil : type
        pageType = try? kernel.field("struct page", "page_type")
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
        return nil
    }

    /// Whether this kernel's slab pages can be recognised.
    public var knowsSlabPages: Bool { slabBit != nil || (slabType != nil && pageType != nil) }
}
