import KdsqlMemory
import KdsqlKernel

/// XArray nodes (the pid IDR): the input over the IDR's top node, then a
/// full walk and pid lookups.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXArray(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let kernel = OverlayKernel.kernel
    OverlayKernel.dump.bytes = []
    guard let ns = try? kernel.address(of: "init_pid_ns"),
          let head = try? kernel.field("struct pid_namespace", "idr.idr_rt.xa_head"),
          let root = try? kernel.readU64(ns + head.offset), let xa = try? XArray(kernel: kernel) else { return 0 }
    let node = root & ~3
    OverlayKernel.overlay(FuzzSupport.bytes(data, count), atPageOf: node)
    defer { OverlayKernel.dump.bytes = [] }
    // The node need not start its page: put the input at the node itself.
    OverlayKernel.dump.at = (try? kernel.translate(node)) ?? 0
    _ = try? xa.entries(head: root, limit: 100_000)
    for i: UInt64 in [0, 1, 2, 63, 64, 100, 4095] { _ = try? xa.load(head: root, index: i) }
    return 0
}
