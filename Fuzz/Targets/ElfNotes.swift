import KdsqlDump

/// ELF note lists (PT_NOTE segments, kdump's note area): NT_PRSTATUS,
/// VMCOREINFO, QEMU's cpu state.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzElfNotes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    _ = try? ElfNoteParser.parse(FuzzSupport.bytes(data, count), fileOffset: 0)
    return 0
}
