import KdsqlMemory
import KdsqlKernel

/// ORC tables: the input over the orc_lookup table and then over
/// .orc_unwind entries; then lookups across kernel text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOrc(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let kernel = OverlayKernel.kernel
    OverlayKernel.dump.bytes = []
    let input = FuzzSupport.bytes(data, count)
    guard let first = input.first, let lookup = try? kernel.address(of: "orc_lookup"),
          let unwind = try? kernel.address(of: "__start_orc_unwind"), let stext = try? kernel.address(of: "_stext") else { return 0 }
    OverlayKernel.overlay(Array(input.dropFirst()), atPageOf: first & 1 == 0 ? lookup : unwind + UInt64(first) * 4096)
    defer { OverlayKernel.dump.bytes = [] }
    guard let tables = try? OrcUnwindTables(kernel: kernel, modules: nil) else { return 0 }
    for k: UInt64 in 0..<64 { _ = try? tables.find(stext + k * 0x1234) }
    return 0
}
