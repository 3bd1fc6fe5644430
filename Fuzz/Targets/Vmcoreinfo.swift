import KdsqlDebugInfo
import KdsqlDump
import KdsqlMemory
import KdsqlKernel

/// VMCOREINFO text as the layers above take it: the key=value parser, every
/// value the kernel layer derives from it (KASLR offset, page size,
/// phys_base, KERNEL_IMAGE_SIZE, the page-table root and the translator made
/// from them, the SYMBOL() table used when kallsyms is unreadable, the
/// printk ring layout), then a few translations over the sample dump.
/// The kallsyms tables have their own target; opening a whole Kernel per
/// input would spend the time there.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVmcoreinfo(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let info = VMCoreInfo(text: String(decoding: FuzzSupport.bytes(data, count), as: UTF8.self))
    _ = (info.osRelease, info.buildID, info.pageSize, info.kernelOffset, info.crashTime)
    _ = (info.number("KERNEL_IMAGE_SIZE"), info.number("pgtable_l5_enabled"), info.number("MAX_PHYSMEM_BITS"))
    _ = (info.size("page"), info.offset("page", "_mapcount"), info.length("mem_section"), info.symbol("_stext"))
    _ = try? PrintkRingBufferLayout(vmcoreinfo: info)
    if let symbols = try? Kernel.vmcoreinfoSymbols(info) {
        _ = symbols.address(of: "init_task")
        _ = symbols.symbolize(0xffff_ffff_8100_0000 &+ info.kernelOffset)
    }
    let physBase = UInt64(bitPattern: info.number("phys_base") ?? 0)
    if let translator = try? Kernel.makeTranslator(info, physBase: physBase, memory: OverlayKernel.dump.base) {
        for va: UInt64 in [0xffff_ffff_8100_0000 &+ info.kernelOffset, info.symbol("init_task") ?? 0, 0xffff_8880_0000_0000] {
            _ = try? translator.translate(va)
        }
    }
    return 0
}
