import KdsqlMemory
import KdsqlKernel

/// The printk ring buffer (descriptor ring, info array, text ring) of the
/// sample kernel with the input over the `struct printk_ringbuffer` page and
/// what follows; then the log's Oops and panic analysis on what was read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrintk(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let kernel = OverlayKernel.kernel
    guard let prbPointer = try? kernel.address(of: "prb") else { return 0 }
    OverlayKernel.dump.bytes = []
    guard let prb = try? kernel.readU64(prbPointer) else { return 0 }
    let input = FuzzSupport.bytes(data, count)
    // The first byte picks what to overwrite: the ring header, or the descriptors.
    var target = prb
    if input.first.map({ $0 & 1 == 1 }) == true, let ring = try? PrintkRingBuffer(kernel: kernel) {
        target = (try? kernel.readU64(ring.address + UInt64(ring.layout.descRing + ring.layout.descs))) ?? prb
    }
    OverlayKernel.overlay(Array(input.dropFirst()), atPageOf: target)
    defer { OverlayKernel.dump.bytes = [] }
    if let log = try? KernelLog(kernel: kernel) {
        _ = OopsReport.find(in: log.records)
        _ = PanicInfo(records: log.records)
    }
    return 0
}
