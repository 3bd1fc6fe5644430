import Testing
import FixtureSupport
import KdsqlDebugInfo
@testable import KdsqlMemory

/// Symbols from the dump alone on every kernel generation configured
/// (Fixtures.generations): VMCOREINFO names the kallsyms tables from 6.0 on;
/// 5.10's are found in the kernel image by their structure; 7.x has no
/// kallsyms_relative_base and place-relative offsets.
@Suite struct KallsymsGenerationTests {
    @Test func configuredGenerationsAreKnown() {
        let known = Set(Fixtures.allGenerations.map(\.series))
        #expect(Fixtures.configuredSeries.allSatisfy(known.contains), "KDSQL_GENERATIONS=\(Fixtures.configuredSeries)")
        #expect(!Fixtures.generations.isEmpty)
    }

    static func mapEntries(_ g: KernelGeneration) throws -> [(name: String, address: UInt64, type: Character)] {
        try Fixtures.text(try Fixtures.path(g.sysrq, g.systemMap)).split(separator: "\n").compactMap { line in
            let p = line.split(separator: " ")
            guard p.count == 3, let a = UInt64(p[0], radix: 16), let t = p[1].first else { return nil }
            return (String(p[2]), a, t)
        }
    }

    @Test(arguments: Fixtures.generations)
    func zeroFileSymbolsEqualTheSystemMapOnes(_ g: KernelGeneration) throws {
        let path = try Fixtures.path(g.sysrq, g.dump)
        let zero = try Kernel.open(path: path)
        let withMap = try Kernel.open(path: path, options: .init(systemMapPath: try Fixtures.path(g.sysrq, g.systemMap)))
        #expect(zero.symbolSource.hasPrefix("kallsyms"), "\(zero.symbolSource)")
        let entries = try Self.mapEntries(g)
        var counts: [String: Int] = [:]
        for e in entries { counts[e.name, default: 0] += 1 }
        // Every 97th unique text/data symbol of the kernel image: the same address both ways.
        let sample = entries.filter { counts[$0.name] == 1 && $0.address >= 0xffff_ffff_8000_0000 && "TtDdBbRr".contains($0.type) }
            .enumerated().filter { $0.offset % 97 == 0 }.map(\.element)
        #expect(sample.count > 500)
        var missing = 0
        for e in sample {
            guard let a = zero.symbols.address(of: e.name) else { missing += 1; continue }
            #expect(a == withMap.symbols.address(of: e.name), "\(g): \(e.name)")
            #expect(zero.symbols.symbolize(a + 1)?.symbol.address == withMap.symbols.symbolize(a + 1)?.symbol.address, "\(g): \(e.name)+1")
        }
        // The map of a generated set is the guest's /proc/kallsyms; the shared
        // ones come from -dbg and add a few linker symbols kallsyms leaves out.
        #expect(missing * 100 <= sample.count, "\(g): \(missing) of \(sample.count) not in kallsyms")
    }

    @Test(arguments: Fixtures.generations)
    func kallsymsComeFromVMCOREINFOFrom6Point0OnAndFromTheImageBefore(_ g: KernelGeneration) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump))
        if g.series == "5.10" {
            #expect(kernel.vmcoreinfo.symbol("kallsyms_names") == nil)
            #expect(kernel.symbolSource == "kallsyms (from the dump, found in the kernel image)")
        } else {
            #expect(kernel.symbolSource == "kallsyms (from the dump, located by VMCOREINFO)")
        }
    }

    /// The structural search finds the same tables VMCOREINFO names, where it names them.
    @Test(arguments: Fixtures.generations)
    func structuralSearchFindsTheTablesVMCOREINFONames(_ g: KernelGeneration) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump))
        let layout = try KallsymsLocator.locate(vmcoreinfo: kernel.vmcoreinfo) { try kernel.read($0, count: $1) }
        #expect(layout.numSyms > 50_000)
        if let names = kernel.vmcoreinfo.symbol("kallsyms_names") {
            #expect(layout.names == names)
            #expect(layout.tokenTable == kernel.vmcoreinfo.symbol("kallsyms_token_table"))
            #expect(layout.tokenIndex == kernel.vmcoreinfo.symbol("kallsyms_token_index"))
            #expect(layout.offsets == kernel.vmcoreinfo.symbol("kallsyms_offsets"))
        }
        switch g.series {
        case "7.3": #expect(layout.encoding == .placeRelative)
        default:
            guard case .absolutePercpu = layout.encoding else { Issue.record("\(g): \(layout.encoding)"); return }
        }
    }

    @Test func placeRelativeOffsetsAreRelativeToTheirOwnSlot() {
        let l = KallsymsLayout(numSyms: 3, names: 0, markers: 0, seqsOfNames: nil, tokenTable: 0, tokenIndex: 0,
                               offsets: 0xffff_ffff_8200_0000, encoding: .placeRelative, origin: "test")
        let expected: UInt64 = 0xffff_ffff_8200_0008 - 0x100_0000
        #expect(l.address(raw: -0x100_0000, index: 2) == expected)
        let a = KallsymsLayout(numSyms: 3, names: 0, markers: 0, seqsOfNames: nil, tokenTable: 0, tokenIndex: 0,
                               offsets: 0, encoding: .absolutePercpu(relativeBase: 0xffff_ffff_8100_0000), origin: "test")
        #expect(a.address(raw: 0x2a000, index: 0) == 0x2a000)           // per-CPU: absolute
        let base: UInt64 = 0xffff_ffff_8100_0000
        #expect(a.address(raw: -1, index: 0) == base)  // relative_base - 1 - (-1)
    }
}
