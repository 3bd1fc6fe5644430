import KdsqlMemory
import KdsqlKernel

/// The printk ring buffer parser (kernel/printk/printk_ringbuffer.h: the
/// descriptor ring, the info array, the text data ring) run straight on the
/// input: a small ring (2-64 descriptors, 64 B-2 KiB of text) whose ids,
/// state words, lpos pairs, info records and text all come from the input,
/// laid out with the sample kernel's struct layout; then the Oops and panic
/// analysis of what was read. With the first byte's top bit set the rest is
/// log text instead, one record per line, for the analysis alone.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrintk(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzSupport.bytes(data, count)
    guard input.count >= 18, let L = PrintkTarget.layout else { return 0 }
    var records: [LogRecord] = []
    if input[0] & 0x80 != 0 {
        let lines = String(decoding: input.dropFirst(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        records = lines.enumerated().map { LogRecord(seq: UInt64($0.offset), text: String($0.element)) }
    } else {
        let countBits = 1 + Int(input[0] % 6), sizeBits = 6 + Int(input[1] % 6)
        var at = 2
        func take(_ n: Int) -> [UInt8] {
            let end = min(input.count, at + n)
            var out = Array(input[min(at, end)..<end])
            at = end
            out += [UInt8](repeating: 0, count: n - out.count)
            return out
        }
        func u64(_ b: [UInt8]) -> UInt64 { b.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } }
        let head = u64(take(8)), tail = u64(take(8))
        let descs = take(L.descSize << countBits), infos = take(L.infoSize << countBits), text = take(1 << sizeBits)
        let prb: UInt64 = 0x1000, descsAt: UInt64 = 0x10_0000, infosAt: UInt64 = 0x20_0000, textAt: UInt64 = 0x30_0000
        var header = [UInt8](repeating: 0, count: max(L.descRing, L.textDataRing) + 256)
        func put(_ v: UInt64, _ offset: Int, _ size: Int) {
            for i in 0..<size { header[offset + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * i)) }
        }
        put(UInt64(countBits), L.descRing + L.countBits, 4)
        put(descsAt, L.descRing + L.descs, 8)
        put(infosAt, L.descRing + L.infos, 8)
        put(head, L.descRing + L.headID, 8)
        put(tail, L.descRing + L.tailID, 8)
        put(UInt64(sizeBits), L.textDataRing + L.sizeBits, 4)
        put(textAt, L.textDataRing + L.data, 8)
        let memory = ByteRegionMemory([(prb, header), (descsAt, descs), (infosAt, infos), (textAt, text)])
        guard let read = try? PrintkRingBuffer(memory: memory, layout: L, address: prb).records(damage: { _ in }) else { return 0 }
        records = read
    }
    _ = OopsReport.find(in: records)
    _ = PanicInfo(records: records)
    return 0
}

enum PrintkTarget {
    /// The sample kernel's ring layout (BTF: the bitfields included).
    nonisolated(unsafe) static let layout: PrintkRingBufferLayout? = try? PrintkRingBufferLayout(kernel: OverlayKernel.kernel)
}
