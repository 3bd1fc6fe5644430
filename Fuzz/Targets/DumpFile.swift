#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import KdsqlDump

/// Dump containers: ELF headers and PT_LOADs, kdump header, sub-header,
/// bitmaps and page descriptors, makedumpfile flattened records; then a few
/// page reads through whatever opened.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDumpFile(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let path = FuzzSupport.file(FuzzSupport.bytes(data, count))
    guard let dump = try? DumpOpener.open(path: path, cacheBytes: 1 << 20) else { return 0 }
    _ = dump.openWarnings
    var buffer = [UInt8](repeating: 0, count: 64)
    for pfn in dump.presentPageFrames().prefix(64) {
        _ = try? buffer.withUnsafeMutableBytes { try dump.read(physical: pfn << 12 | 0xfc0, into: $0) }
    }
    for pa: UInt64 in [0, 0x1000, 0x100000, dump.physicalLimit &- 8] {
        _ = try? buffer.withUnsafeMutableBytes { try dump.read(physical: pa, into: $0) }
    }
    return 0
}
