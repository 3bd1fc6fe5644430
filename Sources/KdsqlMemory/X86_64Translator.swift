import KdsqlDump
import KdsqlDebugInfo

/// x86_64 virtual-to-physical translation (arch/x86/include/asm/page_64_types.h,
/// pgtable_64_types.h, Documentation/arch/x86/x86_64/mm.rst).
///
/// Fast paths avoid page-table walks for the two regions almost every kernel
/// object lives in:
/// - the kernel image mapping at __START_KERNEL_map (0xffffffff80000000):
///   pa = va - __START_KERNEL_map + phys_base (phys_base from VMCOREINFO,
///   which also absorbs the KASLR physical slide);
/// - the direct map at page_offset_base (randomized under KASLR; read from
///   the kernel variable once symbols are known): pa = va - page_offset_base.
/// Everything else (vmalloc, vmemmap, modules, per-task user space) walks the
/// 4- or 5-level page tables, honouring 1 GiB and 2 MiB pages; walked
/// translations are memoised per 4 KiB page.
public final class X86_64Translator: AddressTranslator {
    public static let startKernelMap: UInt64 = 0xffff_ffff_8000_0000
    /// x86_64 base pages are always 4 KiB; larger pages are 2 MiB and 1 GiB entries.
    static let pageShift: UInt64 = 12
    static let pageOffsetMask: UInt64 = (1 << pageShift) - 1
    public var pageSize: UInt64 { 1 << X86_64Translator.pageShift }
    static let presentBit: UInt64 = 1
    static let pageSizeBit: UInt64 = 1 << 7
    /// Physical-address bits of an entry (bits 12..51), NX and software bits cleared.
    static let addressMask: UInt64 = 0x000f_ffff_ffff_f000

    let memory: PhysicalMemory
    public let physBase: UInt64
    public let kernelImageSize: UInt64
    /// Physical address of the kernel's top-level page table (init_top_pgt).
    public let kernelRoot: UInt64
    public let fiveLevel: Bool
    /// Start of the direct map; set once known.
    public var pageOffsetBase: UInt64?
    /// Size of the direct map window (1 << MAX_PHYSMEM_BITS).
    public var directMapSize: UInt64 = 1 << 46
    private var walked: [UInt64: UInt64] = [:]

    public init(memory: PhysicalMemory, physBase: UInt64, kernelImageSize: UInt64, kernelRootVirtual: UInt64, fiveLevel: Bool) {
        self.memory = memory
        self.physBase = physBase
        self.kernelImageSize = kernelImageSize
        self.fiveLevel = fiveLevel
        self.kernelRoot = kernelRootVirtual &- X86_64Translator.startKernelMap &+ physBase
    }

    /// Physical address of `va` in the kernel's address space.
    @inline(__always)
    public func translate(_ va: UInt64) throws -> UInt64 {
        if va >= X86_64Translator.startKernelMap && va - X86_64Translator.startKernelMap < kernelImageSize {
            return va &- X86_64Translator.startKernelMap &+ physBase
        }
        if let pob = pageOffsetBase, va >= pob, va - pob < directMapSize {
            return va - pob
        }
        let page = va & ~X86_64Translator.pageOffsetMask
        if let pa = walked[page] { return pa | (va & X86_64Translator.pageOffsetMask) }
        let pa = try walk(va, root: kernelRoot)
        walked[page] = pa & ~X86_64Translator.pageOffsetMask
        return pa
    }

    /// Translates through an explicit top-level table (a task's mm->pgd, as a
    /// physical address). Used for user-space reads; not memoised.
    public func translate(_ va: UInt64, root: UInt64) throws -> UInt64 {
        try walk(va, root: root)
    }

    private func entry(_ table: UInt64, _ index: UInt64) throws -> UInt64 {
        try memory.readInteger(physical: (table & X86_64Translator.addressMask) + index * 8, as: UInt64.self)
    }

    private func walk(_ va: UInt64, root: UInt64) throws -> UInt64 {
        var table = root
        if fiveLevel {
            let e = try entry(table, (va >> 48) & 0x1ff)
            guard e & X86_64Translator.presentBit != 0 else { throw MemoryError.unmapped(virtualAddress: va, level: "PGD") }
            table = e
        }
        let p4 = fiveLevel ? "P4D" : "PGD"
        var e = try entry(table, (va >> 39) & 0x1ff)
        guard e & X86_64Translator.presentBit != 0 else { throw MemoryError.unmapped(virtualAddress: va, level: p4) }
        e = try entry(e, (va >> 30) & 0x1ff)
        guard e & X86_64Translator.presentBit != 0 else { throw MemoryError.unmapped(virtualAddress: va, level: "PUD") }
        if e & X86_64Translator.pageSizeBit != 0 {
            return (e & X86_64Translator.addressMask & ~((1 << 30) - 1)) | (va & ((1 << 30) - 1))
        }
        e = try entry(e, (va >> 21) & 0x1ff)
        guard e & X86_64Translator.presentBit != 0 else { throw MemoryError.unmapped(virtualAddress: va, level: "PMD") }
        if e & X86_64Translator.pageSizeBit != 0 {
            return (e & X86_64Translator.addressMask & ~((1 << 21) - 1)) | (va & ((1 << 21) - 1))
        }
        e = try entry(e, (va >> 12) & 0x1ff)
        // A non-present PTE with PROT_NONE semantics is still not readable here.
        guard e & X86_64Translator.presentBit != 0 else { throw MemoryError.unmapped(virtualAddress: va, level: "PTE") }
        return (e & X86_64Translator.addressMask) | (va & X86_64Translator.pageOffsetMask)
    }

    /// The direct map's base is randomized (CONFIG_RANDOMIZE_MEMORY); the
    /// kernel keeps it in page_offset_base (arch/x86/mm/kaslr.c).
    public func learn(symbols: any SymbolTable) {
        guard let pobSym = symbols.address(of: "page_offset_base"),
              let pob = try? memory.readInteger(physical: try translate(pobSym), as: UInt64.self),
              pob >= 0xffff_8000_0000_0000 else { return }
        pageOffsetBase = pob
        // With KASLR the direct map is only as large as RAM plus
        // CONFIG_RANDOMIZE_MEMORY_PHYSICAL_PADDING (10 TiB), not
        // 1 << MAX_PHYSMEM_BITS, and the vmalloc and vmemmap regions follow
        // it at random distances (arch/x86/mm/kaslr.c,
        // kernel_randomize_memory()): a vmalloc address (a task's stack, a
        // per-CPU chunk) can lie within 64 TiB of page_offset_base. The
        // window ends at the next region the kernel placed above it.
        for name in ["vmalloc_base", "vmemmap_base"] {
            guard let sym = symbols.address(of: name),
                  let base = try? memory.readInteger(physical: try translate(sym), as: UInt64.self),
                  base > pob, base - pob < directMapSize else { continue }
            directMapSize = base - pob
        }
    }
}
