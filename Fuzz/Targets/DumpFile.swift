import KdsqlDump

/// Dump containers: ELF headers and PT_LOADs, kdump header, sub-header,
/// bitmaps and page descriptors, makedumpfile flattened records; then a few
/// page reads through whatever opened. The input is read in memory
/// (`MappedFile(copying:)`), the same reader code without a file per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDumpFile(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzSupport.bytes(data, count)
    let file = MappedFile(copying: bytes, path: "fuzz-input")
    guard let dump = try? DumpOpener.open(file: file, cacheBytes: 1 << 20) else { return 0 }
    _ = dump.openWarnings
    var buffer = [UInt8](repeating: 0, count: 64)
    // Listing every present frame costs as many pages as the header claims
    // (8 bytes each): one input in eight lists them, the rest read the
    // first frames directly.
    let frames = bytes.last.map { $0 & 7 == 0 } == true ? Array(dump.presentPageFrames().prefix(64)) : Array(0..<64)
    for pfn in frames {
        _ = try? buffer.withUnsafeMutableBytes { try dump.read(physical: pfn << 12 | 0xfc0, into: $0) }
    }
    for pa: UInt64 in [0, 0x1000, 0x100000, dump.physicalLimit &- 8] {
        _ = try? buffer.withUnsafeMutableBytes { try dump.read(physical: pa, into: $0) }
    }
    return 0
}
