#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
import KdsqlDump
import KdsqlDebugInfo
@testable import KdsqlMemory
@testable import KdsqlKernel

/// Damaged dumps open with one warning per problem and answer what can be
/// read; nothing reachable from dump bytes traps, hangs or answers wrongly in
/// silence. Each test damages a copy of a fixture the way a field dump is
/// damaged.
@Suite struct DamagedDumpTests {
    static func dumpPath(_ set: String) throws -> String {
        let entry = try #require(Fixtures.everyKernel.first { $0.set == set })
        return try Fixtures.path(set, entry.dump)
    }

    static let kernels = Fixtures.everyKernel.map(\.set)

    @Test(arguments: kernels)
    func aNegativeKernelImageSizeIsReportedNotTrapped(set: String) throws {
        let copies = DamagedCopies()
        var bytes = try DamagedCopies.readAll(try Self.dumpPath(set))
        #expect(DamagedCopies.replace("NUMBER(KERNEL_IMAGE_SIZE)=1073741824", with: "NUMBER(KERNEL_IMAGE_SIZE)=-107374182", in: &bytes) > 0)
        let kernel = try Kernel.open(path: copies.write("image-size.kdump", bytes))
        #expect(kernel.openWarnings.contains { $0.contains("KERNEL_IMAGE_SIZE)=-107374182 is impossible") })
        #expect(try SystemInfo(kernel: kernel).nodename == "kdsql-fixture")
    }

    @Test(arguments: kernels)
    func aKernelOffsetThatIsNotHexIsReportedAndTakenFromStext(set: String) throws {
        let copies = DamagedCopies()
        let original = try Kernel.open(path: try Self.dumpPath(set))
        let offset = String(original.kaslrOffset, radix: 16)
        var bytes = try DamagedCopies.readAll(try Self.dumpPath(set))
        let lie = String(repeating: "z", count: offset.count)
        #expect(DamagedCopies.replace("KERNELOFFSET=" + offset, with: "KERNELOFFSET=" + lie, in: &bytes) > 0)
        let kernel = try Kernel.open(path: copies.write("offset.kdump", bytes))
        #expect(kernel.kaslrOffset == original.kaslrOffset)
        #expect(kernel.openWarnings.contains { $0.contains("KERNELOFFSET=\(lie) is not a hexadecimal number") })
        // The System.map is relocated by the recovered offset and still matches.
        let set = Fixtures.everyKernel.first { $0.set == set }!
        _ = try Kernel.open(path: copies.directory + "/offset.kdump",
                            options: .init(systemMapPath: try Fixtures.path(set.set, set.systemMap)))
    }

    /// An ELF dump zero-filled from the middle (an interrupted copy) can leave
    /// kallsyms_num_syms 0: the lazy reader must refuse, not trap.
    @Test func lazyKallsymsWithTooFewSymbolsThrows() throws {
        let zeros: LazyKallsyms.Reader = { _, n in [UInt8](repeating: 0, count: n) }
        for count in [0, 1, 200] {
            #expect(throws: DebugInfoError.self) {
                _ = try LazyKallsyms(read: zeros, count: count, namesAddress: 0xffff_ffff_8200_0000,
                                     tokenTableAddress: 0xffff_ffff_8210_0000, tokenTable: [0], tokenIndex: [UInt16](repeating: 0, count: 256),
                                     offsetsAddress: 0xffff_ffff_8220_0000, relativeBase: 0xffff_ffff_8100_0000,
                                     fullDecoder: { throw DebugInfoError.malformed(what: "kallsyms", detail: "test") })
            }
        }
    }

    @Test(arguments: kernels)
    func aDumpCutAt60PercentOpensWithOneWarningAndAnswersSys(set: String) throws {
        let copies = DamagedCopies()
        let bytes = try DamagedCopies.readAll(try Self.dumpPath(set))
        let path = copies.write("cut.kdump", bytes[0..<(bytes.count * 6 / 10)])
        let kernel = try Kernel.open(path: path)
        let cut = try #require(kernel.dump.truncation)
        #expect(cut.fileSize == UInt64(bytes.count * 6 / 10))
        #expect(cut.expectedSize >= UInt64(bytes.count) - 4096)
        #expect(cut.missingPages > 0 && cut.missingPages < cut.dumpedPages)
        #expect(kernel.openWarnings.filter { $0.hasPrefix("the dump file is truncated") }.count == 1)
        let info = try SystemInfo(kernel: kernel)
        #expect(info.nodename == "kdsql-fixture")
        #expect(info.release == (try Fixtures.truth(set, "osrelease.txt")).trimmingSuffixNewlines)
    }

    /// A System.map cut short used to be blamed on the kernel ("no BTF").
    @Test(arguments: kernels)
    func aTruncatedSystemMapIsNamedAsTheProblem(set: String) throws {
        let copies = DamagedCopies()
        let entry = Fixtures.everyKernel.first { $0.set == set }!
        let map = try DamagedCopies.readAll(try Fixtures.path(set, entry.systemMap))
        let cut = copies.write("System.map", map[0..<(map.count / 2)])
        let kernel = try Kernel.open(path: try Self.dumpPath(set), options: .init(systemMapPath: cut))
        do {
            _ = try kernel.types()
            Issue.record("types from a half System.map")
        } catch {
            #expect("\(error)".contains("truncated System.map"), "\(error)")
            #expect(!"\(error)".contains("has no BTF"))
        }
    }

    @Test(arguments: kernels)
    func pagesPastTheEndOfACutDumpReadAsMissingNotZeros(set: String) throws {
        let copies = DamagedCopies()
        let bytes = try DamagedCopies.readAll(try Self.dumpPath(set))
        let cutDump = try DumpOpener.open(path: copies.write("cut.kdump", bytes[0..<(bytes.count * 6 / 10)]))
        let full = try DumpOpener.open(path: try Self.dumpPath(set))
        var missing = 0, same = 0
        for pfn in full.presentPageFrames() {
            do {
                #expect(try cutDump.read(physical: pfn << 12, count: 4096) == full.read(physical: pfn << 12, count: 4096))
                same += 1
            } catch DumpError.pageMissing(let pa) {
                #expect(pa == pfn << 12)
                missing += 1
            }
        }
        #expect(missing == cutDump.truncation?.missingPages)
        #expect(same > 1000)
    }

    @Test(arguments: kernels)
    func strictRefusesACutDump(set: String) throws {
        let copies = DamagedCopies()
        let bytes = try DamagedCopies.readAll(try Self.dumpPath(set))
        let path = copies.write("cut.kdump", bytes[0..<(bytes.count * 6 / 10)])
        #expect(throws: DumpError.self) { _ = try Kernel.open(path: path, options: .init(strict: true)) }
    }

    @Test(arguments: kernels)
    func aCompleteDumpHasNoOpenWarnings(set: String) throws {
        let kernel = try Kernel.open(path: try Self.dumpPath(set))
        #expect(kernel.openWarnings.isEmpty)
        #expect(kernel.dump.truncation == nil)
    }
}

extension String {
    var trimmingSuffixNewlines: String {
        var s = self
        while s.last == "\n" || s.last == "\r" || s.last == " " { s.removeLast() }
        return s
    }
}
