import Testing
import FixtureSupport
@testable import KdsqlDump

/// zlib pages are inflated by libdeflate, with zlib as the fallback: both
/// must give the same bytes for every page of every zlib-compressed fixture,
/// and both must refuse a damaged page.
@Suite struct ZlibBackendTests {
    static let zlibDumps: [String] = Fixtures.everySet.map { "\($0.set)/\($0.file)" }
        + ["\(Fixtures.sysrq)/vmcore-mdf-d31-zlib.flat"]

    static func open(_ name: String, _ backend: ZlibBackend) throws -> KdumpCompressedFile {
        let slash = try #require(name.firstIndex(of: "/"))
        let path = try Fixtures.dumpPath(String(name[..<slash]), String(name[name.index(after: slash)...]))
        let file = try MappedFile(path: path)
        if name.hasSuffix(".flat") { return try KdumpCompressedFile(flattened: file, zlibBackend: backend) }
        return try KdumpCompressedFile(source: file, path: path, cacheBytes: 1 << 20, zlibBackend: backend)
    }

    @Test(arguments: zlibDumps)
    func libdeflateAndZlibDecodeEveryPageToTheSameBytes(_ name: String) throws {
        let fast = try Self.open(name, .libdeflate), reference = try Self.open(name, .zlib)
        #expect(fast.zlibBackend == .libdeflate && reference.zlibBackend == .zlib)
        var a = [UInt8](repeating: 0, count: fast.blockSize), b = a
        var compressed = 0, differing = 0
        let pfns = fast.presentPageFrames()
        for pfn in pfns {
            if try fast.descriptor(pfn: pfn).flags & KdumpCompression.zlib.rawValue != 0 { compressed += 1 }
            try a.withUnsafeMutableBytes { try fast.read(physical: pfn << 12, into: $0) }
            try b.withUnsafeMutableBytes { try reference.read(physical: pfn << 12, into: $0) }
            if a != b {
                differing += 1
                if differing <= 3 { Issue.record("\(name): page frame 0x\(String(pfn, radix: 16)) differs") }
            }
        }
        // Most pages of a -c dump are stored zlib-compressed.
        #expect(compressed > pfns.count / 2)
        #expect(differing == 0)
    }

    @Test(arguments: [ZlibBackend.libdeflate, .zlib])
    func aDamagedZlibPageFailsNamingTheFrame(_ backend: ZlibBackend) throws {
        let dir = TempDir()
        let original = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let full = try Self.open("\(Fixtures.sysrq)/vmcore-mdf-d31-zlib.kdump", .zlib)
        let mapped = try MappedFile(path: original)
        var bytes = Array(try mapped.bytes(at: 0, count: Int(mapped.size), what: "fixture"))
        var chosen: UInt64?
        for pfn in full.presentPageFrames() {
            let d = try full.descriptor(pfn: pfn)
            if d.flags == KdumpCompression.zlib.rawValue && d.size > 64 { chosen = pfn; break }
        }
        let pfn = try #require(chosen)
        let desc = try full.descriptor(pfn: pfn)
        // Flip one bit of the Adler-32 trailer only: the DEFLATE data still
        // decodes, so only the checksum can tell the page is damaged.
        bytes[Int(desc.offset) + desc.size - 1] ^= 0x01
        let path = dir.write("adler.kdump", bytes)
        let dump = try KdumpCompressedFile(source: try MappedFile(path: path), path: path, cacheBytes: 1 << 20,
                                           zlibBackend: backend)
        #expect(throws: DumpError.decompressionFailed(method: "zlib", pfn: pfn, offset: desc.offset)) {
            _ = try dump.read(physical: pfn << 12, count: 8)
        }
    }
}
