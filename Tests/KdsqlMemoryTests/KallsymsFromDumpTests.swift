import Testing
import FixtureSupport
import KdsqlDebugInfo
@testable import KdsqlMemory

/// The dump alone is enough: kallsyms decoded from memory must agree with the
/// System.map of the same build, shifted by the KASLR offset.
@Suite struct KallsymsFromDumpTests {
    static func systemMapEntries() throws -> [String: UInt64] {
        var map: [String: UInt64] = [:]
        for line in try Fixtures.text(try Fixtures.path(Fixtures.sysrq, Fixtures.systemMap)).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let a = UInt64(parts[0], radix: 16) else { continue }
            if map[String(parts[2])] == nil { map[String(parts[2])] = a }
        }
        return map
    }

    @Test func kallsymsAddressesMatchRelocatedSystemMap() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let map = try Self.systemMapEntries()
        #expect(kernel.kaslrOffset == (try CrashRecord(set: Fixtures.sysrq)).kernelOffset)
        for name in ["init_task", "linux_banner", "__start_BTF", "__stop_BTF", "_text", "sysrq_handle_crash", "page_offset_base"] {
            let fromMap = try #require(map[name]) &+ kernel.kaslrOffset
            #expect(kernel.symbols.address(of: name) == fromMap, "\(name)")
        }
    }

    @Test func kallsymsHasAsManySymbolsAsTheMapHasNonAbsoluteOnes() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let all = kernel.symbols.allSymbols
        // System.map also lists absolute and a few linker symbols kallsyms omits.
        #expect(all.count > 80_000)
        #expect(all.count < 87_361)
    }

    /// The lazy reader (binary search over kallsyms_seqs_of_names) and the full
    /// decode agree on names, addresses and symbolization.
    @Test func lazyLookupsAgreeWithTheFullDecode() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let lazy = try #require(kernel.symbols as? LazyKallsyms)
        let all = lazy.allSymbols
        var byName: [String: [Symbol]] = [:]
        for s in all { byName[s.name, default: []].append(s) }
        for (i, s) in all.enumerated() where i % 97 == 0 {
            let candidates = byName[s.name]!
            let preferred = candidates.first { $0.type.isUppercase } ?? candidates[0]
            #expect(lazy.address(of: s.name) == preferred.address, "\(s.name)")
            if s.address >= 0xffff_ffff_8000_0000, let found = lazy.symbolize(s.address) {
                #expect(found.symbol.address == s.address && found.offset == 0, "\(s.name)")
            }
        }
        #expect(lazy.address(of: "no_such_symbol_anywhere") == nil)
    }

    /// The search by address finds every name an address has (aliases
    /// included), and only at that address.
    @Test func lazyLookupByAddressFindsEveryAliasAndNothingElse() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let lazy = try #require(kernel.symbols as? LazyKallsyms)
        let all = lazy.allSymbols
        let pairs = Set(all.map { "\($0.name)@\($0.address)" })
        var aliases = 0
        for (i, s) in all.enumerated() where i % 211 == 0 || (i > 0 && all[i - 1].address == s.address && i % 7 == 0) {
            if i > 0, all[i - 1].address == s.address { aliases += 1 }
            #expect(lazy.hasSymbol(named: s.name, at: s.address), "\(s.name)")
            #expect(lazy.hasSymbol(named: s.name, at: s.address &+ 1) == pairs.contains("\(s.name)@\(s.address &+ 1)"))
        }
        #expect(aliases > 10)
        let stext = try #require(lazy.address(of: "_stext"))
        #expect(lazy.hasSymbol(named: "_stext", at: stext))
        #expect(!lazy.hasSymbol(named: "_stext", at: stext + 0x1000))
        #expect(!lazy.hasSymbol(named: "no_such_symbol_anywhere", at: stext))
    }

    @Test func linuxBannerReadsAsUnameVersion() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let banner = try kernel.readCString(try kernel.address(of: "linux_banner"), maxLength: 512)
        let version = try Fixtures.truth(Fixtures.sysrq, "version.txt")
        #expect(banner.hasPrefix("Linux version 6.1.0-56-cloud-amd64"))
        // version.txt is /proc/sys/kernel/version ("#1 SMP ..."), which the banner contains.
        #expect(banner.contains(version.trimmingCharacters(in: "\n")))
    }

    @Test func symbolizeGivesNamePlusOffset() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let a = try kernel.address(of: "sysrq_handle_crash")
        #expect(kernel.symbols.describe(a + 0x10) == "sysrq_handle_crash+0x10")
        #expect(kernel.symbols.describeWithSize(a)?.hasPrefix("sysrq_handle_crash+0x0/0x") == true)
    }

    @Test func directMapBaseIsReadFromTheKernel() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let pob = try #require((kernel.translator as? X86_64Translator)?.pageOffsetBase)
        // VMCOREINFO's mem_section pointer is a direct-map address.
        let memSection = try #require(kernel.vmcoreinfo.symbol("mem_section"))
        #expect(memSection >= pob)
        // Walking the page tables and the direct-map fast path agree.
        let viaTables = try kernel.translator.translate(memSection, root: kernel.translator.kernelRoot)
        #expect(viaTables == memSection - pob)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
