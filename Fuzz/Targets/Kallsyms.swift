import KdsqlDebugInfo

/// kallsyms tables: the lazy reader (markers, seqs_of_names, names, offsets)
/// over the input as kernel memory, and the full decoder over the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKallsyms(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzSupport.bytes(data, count)
    guard bytes.count >= 16 else { return 0 }
    func u32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
    // At most 511 symbols: every path of both decoders is reached with a
    // few, and thousands per input cost the fuzzer 99% of its executions.
    let numSyms = u32(0) & 0x1ff, split = min(u32(4) & 0xffff, bytes.count)
    let base: UInt64 = 0xffff_ffff_8200_0000
    // The input is memory from `base` on; reads past it are unreadable.
    let read: LazyKallsyms.Reader = { va, n in
        guard va >= base, n >= 0, n < 1 << 24, va - base <= UInt64(bytes.count), UInt64(n) <= UInt64(bytes.count) - (va - base) else {
            throw DebugInfoError.malformed(what: "fuzz memory", detail: "outside")
        }
        let o = Int(va - base)
        return Array(bytes[o..<(o + n)])
    }
    let tokenIndex = (0..<256).map { UInt16(bytes[(2 * $0) % bytes.count]) }
    let tokenTable = Array(bytes[..<split])
    if let lazy = try? LazyKallsyms(read: read, count: numSyms, namesAddress: base + 8, tokenTableAddress: base + UInt64(split),
                                    tokenTable: tokenTable, tokenIndex: tokenIndex, offsetsAddress: base + UInt64(u32(8) & 0xffff),
                                    relativeBase: 0xffff_ffff_8100_0000,
                                    fullDecoder: { throw DebugInfoError.malformed(what: "fuzz", detail: "no full decode") }) {
        _ = lazy.address(of: "init_task")
        _ = lazy.symbolize(0xffff_ffff_8100_1234)
        _ = lazy.hasSymbol(named: "init_task", at: 0xffff_ffff_8100_1234)
    }
    let offsets = stride(from: 0, to: bytes.count - 3, by: 4).prefix(numSyms).map { Int32(truncatingIfNeeded: u32($0)) }
    if let full = try? Kallsyms(.init(numSyms: min(numSyms, offsets.count), names: Array(bytes[split...]), tokenTable: tokenTable,
                                      tokenIndex: tokenIndex, offsets: offsets, relativeBase: 0xffff_ffff_8100_0000)) {
        _ = full.address(of: "init_task")
        _ = full.symbolize(0xffff_ffff_8100_1234)
    }
    return 0
}
