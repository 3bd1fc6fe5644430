import Testing
import FixtureSupport
@testable import KdsqlDump

/// Bad input gives the intended typed error with a one-line message: never a
/// crash, a hang or silently wrong bytes.
@Suite struct DumpErrorTests {
    static func expectOneLine(_ error: any Error) {
        let text = "\(error)"
        #expect(!text.isEmpty && !text.contains("\n"), "message must be one line: \(text)")
    }

    static func isTruncated(_ error: any Error) -> Bool {
        if case DumpError.truncated = error { return true }
        return false
    }

    /// A copy of the first `count` bytes of a fixture dump.
    static func truncatedCopy(_ file: String, count: (UInt64) -> UInt64, in dir: borrowing TempDir) throws -> (path: String, original: String) {
        let original = try Fixtures.path(Fixtures.sysrq, file)
        let mapped = try MappedFile(path: original)
        let n = Int(count(mapped.size))
        return (dir.write("cut-" + file, try mapped.bytes(at: 0, count: n, what: "fixture")), original)
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func dumpCutInsideItsHeadersFailsToOpenAsTruncated(_ file: String) throws {
        let dir = TempDir()
        let cut = try Self.truncatedCopy(file, count: { _ in 4096 }, in: dir)
        #expect(throws: (any Error).self) { try DumpOpener.open(path: cut.path) }
        do {
            _ = try DumpOpener.open(path: cut.path)
        } catch {
            #expect(Self.isTruncated(error), "\(error)")
            Self.expectOneLine(error)
        }
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func dumpCutInHalfReadsSurvivingPagesAndReportsTheRestMissing(_ file: String) throws {
        let dir = TempDir()
        let cut = try Self.truncatedCopy(file, count: { $0 / 2 }, in: dir)
        let dump = try DumpOpener.open(path: cut.path)
        #expect(dump.truncation != nil)
        let full = try DumpOpener.open(path: cut.original)
        var good = 0, truncated = 0
        for pfn in full.presentPageFrames() {
            do {
                let bytes = try dump.read(physical: pfn << 12, count: 4096)
                #expect(try bytes == full.read(physical: pfn << 12, count: 4096))
                good += 1
            } catch {
                // Pages past the end read as missing, as excluded ones do.
                guard case DumpError.pageMissing = error else { Issue.record("\(error)"); continue }
                if truncated == 0 { Self.expectOneLine(error) }
                truncated += 1
            }
        }
        #expect(good > 100)
        #expect(truncated > 100)
    }

    @Test func corruptPageDataFailsDecompressionNamingTheFrame() throws {
        let dir = TempDir()
        let original = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let full = try #require(try DumpOpener.open(path: original) as? KdumpCompressedFile)
        let mapped = try MappedFile(path: original)
        var bytes = Array(try mapped.bytes(at: 0, count: Int(mapped.size), what: "fixture"))
        // A page stored compressed (zero pages share one stored page; avoid those).
        var chosen: UInt64?
        for pfn in full.presentPageFrames() {
            let d = try full.descriptor(pfn: pfn)
            if d.flags == 1 && d.size > 64, try !full.read(physical: pfn << 12, count: 4096).allSatisfy({ $0 == 0 }) {
                chosen = pfn
                break
            }
        }
        let pfn = try #require(chosen)
        let desc = try full.descriptor(pfn: pfn)
        for i in 0..<desc.size / 2 { bytes[Int(desc.offset) + 2 + i] ^= 0x5a }
        let dump = try DumpOpener.open(path: dir.write("corrupt.kdump", bytes))
        #expect(throws: DumpError.decompressionFailed(method: "zlib", pfn: pfn, offset: desc.offset)) {
            _ = try dump.read(physical: pfn << 12, count: 8)
        }
    }

    @Test func impossibleBlockSizeIsReportedAsCorruptHeader() throws {
        let dir = TempDir()
        let mapped = try MappedFile(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        var bytes = Array(try mapped.bytes(at: 0, count: 65536, what: "fixture"))
        bytes[428] = 0x00; bytes[429] = 0x02    // block_size 512
        let path = dir.write("badblock.kdump", bytes)
        do {
            _ = try DumpOpener.open(path: path)
            Issue.record("a block_size of 512 must be rejected")
        } catch let error as DumpError {
            guard case .corrupt(let what, let offset) = error else { Issue.record("\(error)"); return }
            #expect(what.contains("block_size 512"))
            #expect(offset == 428)
            Self.expectOneLine(error)
        }
    }

    @Test func randomBytesAreNotADump() throws {
        let dir = TempDir()
        var rng = SystemRandomNumberGenerator()
        var bytes = (0..<65536).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[0] = 0x42   // never an accidental signature
        let path = dir.write("random.bin", bytes)
        do {
            _ = try DumpOpener.open(path: path)
            Issue.record("random bytes opened as a dump")
        } catch let error as DumpError {
            guard case .notADump(_, let found) = error else { Issue.record("\(error)"); return }
            #expect(found.contains("unknown format"))
            Self.expectOneLine(error)
        }
    }

    @Test func anElfExecutableIsNotAKernelDump() throws {
        do {
            _ = try DumpOpener.open(path: "/bin/ls")
            Issue.record("/bin/ls opened as a dump")
        } catch let error as DumpError {
            guard case .notADump = error else { Issue.record("\(error)"); return }
            #expect(error.description.hasPrefix("not a kernel dump: ELF "))
            #expect(error.description.contains("executable"))
            Self.expectOneLine(error)
        }
    }

    @Test func anEmptyFileIsNotADump() throws {
        let dir = TempDir()
        let path = dir.write("empty", [UInt8]())
        #expect(throws: DumpError.notADump(path: path, found: "file of 0 bytes, too short to be a dump")) {
            try DumpOpener.open(path: path)
        }
    }

    @Test func aDirectoryCannotBeOpened() throws {
        let dir = TempDir()
        #expect(throws: DumpError.cannotOpen(path: dir.path, reason: "is a directory, not a regular file; give the dump file itself")) {
            try DumpOpener.open(path: dir.path)
        }
        Self.expectOneLine(DumpError.cannotOpen(path: dir.path, reason: "is a directory, not a regular file; give the dump file itself"))
    }

    @Test func aMissingFileCannotBeOpened() throws {
        let dir = TempDir()
        #expect(throws: DumpError.cannotOpen(path: dir.path + "/nothing", reason: "No such file or directory")) {
            try DumpOpener.open(path: dir.path + "/nothing")
        }
    }
}
