import Testing
@testable import KdsqlDebugInfo

/// A corrupt kallsyms token table (no NUL for kilobytes) used to expand each
/// name to megabytes: 511 names of 255 such tokens took 50 ms and hundreds of
/// MiB, and a whole kernel's 150,000 would exhaust memory. Tokens and names
/// are bounded by KSYM_NAME_LEN instead.
@Suite struct KallsymsBoundsTests {
    static let runawayTokens = [UInt8](repeating: 0x61, count: 8192)

    @Test func aTokenLongerThanANameIsACorruptTable() {
        let tables = Kallsyms.Tables(numSyms: 2, names: [1, 0, 1, 1], tokenTable: Self.runawayTokens,
                                     tokenIndex: (0..<256).map { UInt16($0) }, offsets: [0, 16], relativeBase: 0xffff_ffff_8100_0000)
        #expect(throws: DebugInfoError.self) { _ = try Kallsyms(tables) }
    }

    @Test func theLazyReaderRefusesItToo() {
        let read: LazyKallsyms.Reader = { _, n in [UInt8](repeating: 0, count: n) }
        #expect(throws: DebugInfoError.self) {
            _ = try LazyKallsyms(read: read, count: 2, namesAddress: 0x1000, tokenTableAddress: 0x8000, tokenTable: Self.runawayTokens,
                                 tokenIndex: (0..<256).map { UInt16($0) }, offsetsAddress: 0x9000, relativeBase: 0xffff_ffff_8100_0000,
                                 fullDecoder: { throw DebugInfoError.malformed(what: "test", detail: "no full decode") })
        }
    }

    /// Found by the Kallsyms fuzz target: markers placed before the names
    /// table made `markersAddress - namesAddress` trap instead of refusing.
    @Test func markersBeforeTheNamesTableAreACorruptLayout() {
        let count = 512, tokenTableAddress: UInt64 = 0x8000
        let markersAddress = tokenTableAddress - UInt64((3 * count + 7) & ~7) - UInt64(((count + 255) / 256) * 4)
        let read: LazyKallsyms.Reader = { address, n in
            address == markersAddress ? Array([0, 0, 0, 0, 1, 0, 0, 0].prefix(n)) : [UInt8](repeating: 0, count: n)
        }
        var index = [UInt16](repeating: 0, count: 256)
        index[1] = 0; index[2] = 2; index[3] = 5
        #expect(throws: DebugInfoError.self) {
            _ = try LazyKallsyms(read: read, count: count, namesAddress: 0x9000, tokenTableAddress: tokenTableAddress,
                                 tokenTable: Array("T\0ab\0c\0".utf8), tokenIndex: index, offsetsAddress: 0xa000,
                                 relativeBase: 0xffff_ffff_8100_0000,
                                 fullDecoder: { throw DebugInfoError.malformed(what: "test", detail: "no full decode") })
        }
    }

    @Test func realisticTokensStillDecode() throws {
        // Tokens "T", "ab", "c" (NUL-separated); one symbol "Tabc" at offset 0x10.
        let tokenTable: [UInt8] = Array("T\0ab\0c\0".utf8)
        var index = [UInt16](repeating: 0, count: 256)
        index[1] = 0; index[2] = 2; index[3] = 5
        let k = try Kallsyms(Kallsyms.Tables(numSyms: 1, names: [3, 1, 2, 3], tokenTable: tokenTable, tokenIndex: index,
                                             offsets: [0x10], relativeBase: 0xffff_ffff_8100_0000, absolutePercpu: false))
        #expect(k.address(of: "abc") == 0xffff_ffff_8100_0010)
    }
}
