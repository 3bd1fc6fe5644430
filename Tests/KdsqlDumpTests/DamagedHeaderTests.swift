#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
@testable import KdsqlDump

/// Header fields a damaged dump gets wrong: each is refused with a one-line
/// error or opened with a warning that says what is odd; none traps or hangs.
@Suite struct DamagedHeaderTests {
    static func bytes(_ file: String) throws -> [UInt8] {
        let mapped = try MappedFile(path: try Fixtures.path(Fixtures.sysrq, file))
        return Array(try mapped.bytes(at: 0, count: Int(mapped.size), what: "fixture"))
    }

    static func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { for (k, b) in $0.enumerated() { bytes[offset + k] = b } }
    }

    @Test func aFifoIsRefusedWithoutBlocking() throws {
        let dir = TempDir()
        let path = dir.path + "/fifo"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: DumpError.cannotOpen(path: path, reason: "is a FIFO (named pipe), not a regular file; give the dump file itself")) {
            _ = try DumpOpener.open(path: path)
        }
        unlink(path)
    }

    /// e_phoff of the makedumpfile -E fixture is 64; each Elf64_Phdr is 56
    /// bytes: p_type 0, p_flags 4, p_offset 8, p_vaddr 16, p_paddr 24,
    /// p_filesz 32, p_memsz 40 (man 5 elf).
    static func firstLoad(_ bytes: [UInt8]) -> Int {
        let phoff = Int(bytes[32..<40].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let phnum = Int(bytes[56..<58].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) })
        for i in 0..<phnum {
            let at = phoff + i * 56
            if bytes[at..<(at + 4)].withUnsafeBytes({ $0.loadUnaligned(as: UInt32.self) }) == 1 { return at }
        }
        return -1
    }

    @Test func aProgramHeaderNearTheTopOfTheAddressSpaceIsCorrupt() throws {
        var bytes = try Self.bytes("vmcore-mdf-d31.elf")
        let ph = Self.firstLoad(bytes)
        Self.put(UInt64.max - 4095, at: ph + 24, in: &bytes)
        let dir = TempDir()
        do {
            _ = try DumpOpener.open(path: dir.write("paddr.elf", bytes))
            Issue.record("a PT_LOAD at 2^64 - 4096 opened")
        } catch DumpError.corrupt(let what, _) {
            #expect(what.contains("physical address space"))
        }
    }

    @Test func overlappingLoadSegmentsWithDifferentBytesAreRefused() throws {
        var bytes = try Self.bytes("vmcore-mdf-d31.elf")
        let first = Self.firstLoad(bytes)
        // Move the second PT_LOAD onto the first one's start.
        let second = first + 56
        let start = bytes[(first + 24)..<(first + 32)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        Self.put(start, at: second + 24, in: &bytes)
        let dir = TempDir()
        do {
            _ = try DumpOpener.open(path: dir.write("overlap.elf", bytes))
            Issue.record("overlapping PT_LOADs with different contents opened")
        } catch DumpError.corrupt(let what, _) {
            #expect(what.contains("overlap"))
        }
    }

    /// header_version at offset 8 of disk_dump_header.
    @Test(arguments: [7, 200, 255])
    func aKdumpHeaderVersionNewerThanSixIsReported(version: Int32) throws {
        var bytes = try Self.bytes("vmcore-mdf-d31-zlib.kdump")
        Self.put(version, at: 8, in: &bytes)
        let dir = TempDir()
        let dump = try DumpOpener.open(path: dir.write("v.kdump", bytes))
        #expect(dump.openWarnings.contains { $0.contains("header_version \(version) is newer") })
        #expect(dump.notes.filter { $0.type == ElfNote.ntPrstatus }.count == 2)
    }

    @Test(arguments: [3, 4, 5])
    func aKdumpHeaderVersionBelowItsFieldsIsReportedAndReadAsSix(version: Int32) throws {
        var bytes = try Self.bytes("vmcore-mdf-d31-zlib.kdump")
        Self.put(version, at: 8, in: &bytes)
        let dir = TempDir()
        let dump = try DumpOpener.open(path: dir.write("v.kdump", bytes))
        #expect(dump.openWarnings.contains { $0.contains("header_version \(version) disagrees") })
        // The version-4 notes are read: both CPUs' registers.
        #expect(dump.notes.filter { $0.type == ElfNote.ntPrstatus }.count == 2)
    }

    @Test func anAllOnesKdumpStatusIsReported() throws {
        var bytes = try Self.bytes("vmcore-mdf-d31-zlib.kdump")
        Self.put(UInt32.max, at: 424, in: &bytes)
        let dir = TempDir()
        let dump = try DumpOpener.open(path: dir.write("status.kdump", bytes))
        #expect(dump.openWarnings.contains { $0.contains("status 0xffffffff has bits makedumpfile never writes") })
    }

    @Test func aPageDescriptorPastTheEndOfAFullFileIsCorruptNotTruncated() throws {
        let original = try #require(try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")) as? KdumpCompressedFile)
        var bytes = try Self.bytes("vmcore-mdf-d31-zlib.kdump")
        let pfn = original.presentPageFrames()[100]
        let at = Int(original.descriptorTable) + Int(KdumpCompressedFile.rankOf(pfn, bitmap: original.dumpableBitmap, rank: original.rank)) * 24
        Self.put(UInt64(bytes.count + 1_000_000), at: at, in: &bytes)
        let dir = TempDir()
        let dump = try DumpOpener.open(path: dir.write("desc.kdump", bytes))
        #expect(dump.truncation == nil)
        do {
            _ = try dump.read(physical: pfn << 12, count: 8)
            Issue.record("a descriptor past the end read")
        } catch DumpError.corrupt(let what, _) {
            #expect(what.contains("past the end"))
        }
    }
}
