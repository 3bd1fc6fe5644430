import KdsqlMemory
import KdsqlKernel

/// Maple tree nodes (a process's VMA tree): the input over the root node of
/// pid 1's mm_mt, then a full walk.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMapleTree(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let kernel = OverlayKernel.kernel
    OverlayKernel.dump.bytes = []
    guard let tree = try? MapleTree(kernel: kernel), let tasks = try? Tasks(kernel: kernel),
          let initTask = try? tasks.lookup(pid: 1).first, let mm = try? tasks.mm(initTask),
          let rootField = try? kernel.field("struct mm_struct", "mm_mt.ma_root"),
          let root = try? kernel.readU64(mm + rootField.offset) else { return 0 }
    OverlayKernel.overlay(FuzzSupport.bytes(data, count), atPageOf: root)
    defer { OverlayKernel.dump.bytes = [] }
    OverlayKernel.dump.at = (try? kernel.translate(root & ~0xff)) ?? 0
    _ = try? tree.forEach(root: root, limit: 100_000) { _ in true }
    return 0
}
