import KdsqlMemory
import KdsqlKernel

/// ORC tables: the input over the orc_lookup table or over .orc_unwind
/// entries of the sample kernel; then lookups across kernel text, uncached,
/// through tables located once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOrc(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzSupport.bytes(data, count)
    guard let first = input.first, let t = OrcTarget.shared else { return 0 }
    OverlayKernel.overlay(Array(input.dropFirst()), atPageOf: first & 1 == 0 ? t.lookup : t.unwind + UInt64(first) * 4096)
    defer { OverlayKernel.dump.bytes = [] }
    // Eight lookups reach every branch (lookup block, binary search, entry
    // decode); each costs a dozen reads through the kernel's page cache.
    for k: UInt64 in 0..<8 { _ = try? t.tables.findUncached(t.stext + k * 0x9_1a2b) }
    return 0
}

/// The sample kernel's ORC tables, located once over its clean bytes.
struct OrcTarget {
    let tables: OrcUnwindTables, lookup: UInt64, unwind: UInt64, stext: UInt64
    nonisolated(unsafe) static let shared: OrcTarget? = {
        let kernel = OverlayKernel.kernel
        OverlayKernel.dump.bytes = []
        guard let lookup = try? kernel.address(of: "orc_lookup"), let unwind = try? kernel.address(of: "__start_orc_unwind"),
              let stext = try? kernel.address(of: "_stext"), let tables = try? OrcUnwindTables(kernel: kernel, modules: nil) else { return nil }
        return OrcTarget(tables: tables, lookup: lookup, unwind: unwind, stext: stext)
    }()
}
