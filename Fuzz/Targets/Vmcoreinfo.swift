import KdsqlDump
import KdsqlMemory

/// VMCOREINFO text as the kernel layer takes it: the sample dump opened with
/// the input as its VMCOREINFO (KERNELOFFSET, phys_base, KERNEL_IMAGE_SIZE,
/// kallsyms SYMBOLs, ...), then a few symbol lookups and typed reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVmcoreinfo(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let dump = OverlayDump(base: OverlayKernel.dump.base)
    dump.vmcoreinfoText = String(decoding: FuzzSupport.bytes(data, count), as: UTF8.self)
    guard let kernel = try? Kernel(dump: dump) else { return 0 }
    for name in ["init_task", "init_uts_ns", "prb", "__start_BTF", "page_offset_base"] {
        if let a = try? kernel.address(of: name) { _ = try? kernel.readU64(a) }
    }
    _ = kernel.symbols.symbolize(0xffff_ffff_8100_0000 &+ kernel.kaslrOffset)
    return 0
}
