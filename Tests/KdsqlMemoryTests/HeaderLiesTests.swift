#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
import KdsqlDump
import KdsqlKernel
@testable import KdsqlMemory

/// QEMU's kdump output has an empty utsname (machine only) and a wrong
/// kdump_sub_header.phys_base (it parses the decimal NUMBER(phys_base) as hex;
/// fixture README). VMCOREINFO must win: a copy of the real kdump with exactly
/// those lies still opens as the same machine.
@Suite struct HeaderLiesTests {
    static func patchedCopy() throws -> String {
        let source = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        var bytes = try readAll(source)
        // disk_dump_header: signature[8], header_version (4), then struct
        // new_utsname (6 x 65): empty sysname, nodename, release, version.
        for i in 12..<(12 + 4 * 65) { bytes[i] = 0 }
        // kdump_sub_header starts at block 1; its first field is phys_base.
        // utsname ends at 402; struct timeval (16 bytes, 8-aligned) at 408,
        // status at 424, block_size at 428 (makedumpfile diskdump_mod.h, 64-bit).
        let blockSize = Int(bytes[428..<432].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
        #expect(blockSize == 4096)
        withUnsafeBytes(of: UInt64(0xfffffff89cc9ccd8).littleEndian) { lie in
            for (k, b) in lie.enumerated() { bytes[blockSize + k] = b }
        }
        let path = "/tmp/kdsql-header-lies-\(getpid()).kdump"
        let f = try #require(fopen(path, "w"))
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        return path
    }

    static func readAll(_ path: String) throws -> [UInt8] {
        let f = try #require(fopen(path, "r"))
        defer { fclose(f) }
        fseek(f, 0, SEEK_END)
        let size = ftell(f)
        fseek(f, 0, SEEK_SET)
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, f) }
        return bytes
    }

    @Test func vmcoreinfoWinsOverAWrongPhysBaseAndAnEmptyUtsname() throws {
        let path = try Self.patchedCopy()
        defer { unlink(path) }
        let kernel = try Kernel.open(path: path)
        // The header now lies...
        #expect(kernel.dump.header.physBase == 0xfffffff89cc9ccd8)
        #expect(kernel.dump.header.release?.isEmpty ?? true)
        // ...and kdsql still reads the right machine.
        #expect(try #require(kernel.translator as? X86_64Translator).physBase == UInt64(bitPattern: kernel.vmcoreinfo.number("phys_base")!))
        let info = try SystemInfo(kernel: kernel)
        #expect(info.nodename == "kdsql-fixture")
        #expect(info.release == "6.1.0-56-cloud-amd64")
        let tasks = try Tasks(kernel: kernel)
        #expect(try tasks.all().filter { try tasks.comm($0) == "bash" }.count == (try TaskTruth(set: Fixtures.sysrq).bashAtCrash))
    }
}
