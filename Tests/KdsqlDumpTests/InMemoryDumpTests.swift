import Testing
import FixtureSupport
@testable import KdsqlDump

/// A dump's bytes held in memory (the fuzz targets' input) open and read
/// exactly as the file does, in every container format, the flattened
/// stream's record headers included (read without a file descriptor).
@Suite struct InMemoryDumpTests {
    @Test(arguments: Fixtures.sysrqDumps)
    func bytesInMemoryReadLikeTheFile(file: String) throws {
        let path = try Fixtures.path(Fixtures.sysrq, file)
        let mapped = try MappedFile(path: path)
        let bytes = Array(try mapped.bytes(at: 0, count: Int(mapped.size), what: "dump"))
        let fromFile = try DumpOpener.open(path: path)
        let inMemory = try DumpOpener.open(file: MappedFile(copying: bytes, path: "in-memory"))
        #expect(inMemory.format == fromFile.format)
        let frames = fromFile.presentPageFrames()
        #expect(inMemory.presentPageFrames() == frames)
        var a = [UInt8](repeating: 0, count: 4096), b = a
        for pfn in [frames[frames.count / 3], frames[frames.count / 2], frames.last!] {
            try a.withUnsafeMutableBytes { try fromFile.read(physical: pfn << 12, into: $0) }
            try b.withUnsafeMutableBytes { try inMemory.read(physical: pfn << 12, into: $0) }
            #expect(a == b, "pfn \(pfn)")
        }
    }

    @Test func emptyBytesAreNoDump() {
        #expect(throws: DumpError.self) { _ = try DumpOpener.open(file: MappedFile(copying: [], path: "empty")) }
    }
}
