import Testing
import FixtureSupport
@testable import KdsqlDump

/// VMCOREINFO `NUMBER(phys_base)` (signed decimal) as the machine's unsigned value.
func vmcoreinfoPhysBase(_ text: String) -> UInt64? {
    for line in text.split(separator: "\n") where line.hasPrefix("NUMBER(phys_base)=") {
        return Int64(line.dropFirst("NUMBER(phys_base)=".count)).map { UInt64(bitPattern: $0) }
    }
    return nil
}

@Suite struct KdumpCompressedFileTests {
    static let kdumps: [(set: String, file: String)] = [
        (Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"),
        (Fixtures.sysrq, "vmcore-mdf-d31-lzo.kdump"),
        (Fixtures.sysrq, "vmcore-mdf-d31-zlib.flat"),
        (Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"),
    ]

    @Test(arguments: kdumps.map { "\($0.set)/\($0.file)" } + ["\(Fixtures.sysrq)/vmcore-mdf-d31.elf"])
    func everyFixtureDumpOpensWithVmcoreinfoAndTwoCpuNotes(_ name: String) throws {
        let parts = name.split(separator: "/").map(String.init)
        let dump = try DumpOpener.open(path: try Fixtures.path(parts[0], parts[1]))
        let osrelease = String(try Fixtures.truth(parts[0], "osrelease.txt").split(whereSeparator: { $0 == "\n" || $0 == " " }).first ?? "")
        #expect(osrelease == "6.1.0-56-cloud-amd64")
        #expect(dump.vmcoreinfo?.contains("OSRELEASE=\(osrelease)\n") == true)
        #expect(dump.notes.filter { $0.name == "CORE" && $0.type == ElfNote.ntPrstatus }.count == 2)
        #expect(dump.notes.contains { $0.name == "VMCOREINFO" })
    }

    @Test func zlibKdumpHeaderMatchesVmcoreinfoAndMakedumpfileOptions() throws {
        let dump = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let kdump = try #require(dump as? KdumpCompressedFile)
        #expect(dump.format == .kdumpCompressed(compression: "zlib"))
        #expect(kdump.headerVersion == 6)
        #expect(dump.header.dumpLevel == 31)           // makedumpfile -d 31
        #expect(dump.header.cpuCount == 2)             // qemu -smp 2
        #expect(dump.header.machine == "x86_64")
        let uname = try Fixtures.truth(Fixtures.sysrq, "uname.txt")
        #expect(dump.header.release.map { uname.contains($0) } == true)
        #expect(dump.header.physBase != nil && dump.header.physBase == vmcoreinfoPhysBase(dump.vmcoreinfo ?? ""))
        // 256 MiB guest (qemu -m 256) rounds up to max_mapnr 65536 pages.
        #expect(dump.physicalLimit == 256 << 20)
        #expect(dump.formatSummary == "kdump-compressed (zlib), header v6, dump level 31")
    }

    @Test func lzoAndFlattenedDumpsReportTheirContainerAndCompression() throws {
        let lzo = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-lzo.kdump"))
        #expect(lzo.format == .kdumpCompressed(compression: "lzo"))
        let flat = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.flat"))
        #expect(flat.format == .flattened(compression: "zlib"))
        #expect(flat.formatSummary.hasPrefix("makedumpfile flattened kdump (zlib), header v6, dump level 31, "))
    }

    @Test func pagesLeftOutOfTheDumpableBitmapThrowPageExcluded() throws {
        let dump = try #require(try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")) as? KdumpCompressedFile)
        var excluded: [UInt64] = []
        for pfn in 0..<dump.maxMapnr where excluded.count < 50 {
            let exists = dump.validBitmap[Int(pfn >> 6)] & (1 << (pfn & 63)) != 0
            if exists && !dump.isPresent(pfn: pfn) { excluded.append(pfn) }
        }
        #expect(excluded.count == 50)   // dump level 31 drops free, cache and user pages
        for pfn in excluded {
            #expect(throws: DumpError.pageExcluded(physicalAddress: pfn << 12 | 0x10)) {
                _ = try dump.read(physical: pfn << 12 | 0x10, count: 8)
            }
        }
        #expect(throws: DumpError.notInDump(physicalAddress: dump.physicalLimit)) {
            _ = try dump.read(physical: dump.physicalLimit, count: 8)
        }
    }

    @Test func descriptorIndexIsThePopcountOfDumpableBitsBelowThePfn() throws {
        let dump = try #require(try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")) as? KdumpCompressedFile)
        let present = dump.presentPageFrames()
        #expect(present.count == dump.presentPageCount)
        #expect(present.count > 1000)
        for (i, pfn) in present.enumerated() where i % 97 == 0 {
            #expect(KdumpCompressedFile.rankOf(pfn, bitmap: dump.dumpableBitmap, rank: dump.rank) == UInt32(i))
        }
    }

    /// makedumpfile -c keeps zero pages in the dumpable bitmap, all pointing
    /// at one shared stored zero page (write_kdump_pages: pd_zero); -E leaves
    /// them out of the ELF. Every other dumped page is file-backed in the ELF.
    @Test func dumpedPagesAreElfFileBackedPagesOrSharedZeroPages() throws {
        let kdump = try #require(try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")) as? KdumpCompressedFile)
        let elf = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let inElf = Set(elf.presentPageFrames())
        let notInElf = kdump.presentPageFrames().filter { !inElf.contains($0) }
        #expect(notInElf.count > 100)
        let zeroPage = [UInt8](repeating: 0, count: 4096)
        var storedAt = Set<UInt64>()
        for pfn in notInElf {
            #expect(try kdump.read(physical: pfn << 12, count: 4096) == zeroPage)
            storedAt.insert(try kdump.descriptor(pfn: pfn).offset)
        }
        #expect(storedAt.count == 1)
        // The ELF keeps short excluded runs in the file, so it holds more pages.
        #expect(inElf.count > kdump.presentPageCount - notInElf.count)
    }
}
