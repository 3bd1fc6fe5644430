import Testing
import FixtureSupport
import KdsqlDebugInfo
import KdsqlMemory

/// A Kernel opened with the 6.1 fixtures' debug vmlinux: symbols from its
/// ELF symbol table, types from its DWARF, read lazily.
@Suite struct VmlinuxDebugInfoTests {
    static func kernel(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> Kernel {
        try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file),
                        options: .init(vmlinuxPath: try Fixtures.debugVmlinux(release: Fixtures.sysrqRelease)))
    }

    @Test func symbolsComeFromTheVmlinuxRelocatedLikeVMCOREINFOs() throws {
        let kernel = try Self.kernel()
        #expect(kernel.symbolSource.hasPrefix("vmlinux "))
        var compared = 0
        for (key, value) in kernel.vmcoreinfo.entries where key.hasPrefix("SYMBOL(") {
            let name = String(key.dropFirst(7).dropLast())
            // x86's swapper_pg_dir is a macro for init_top_pgt: no ELF symbol of that name.
            // Only image addresses: SYMBOL(mem_section) is the array the pointer holds.
            guard let dumped = UInt64(value, radix: 16), dumped >= SystemMap.kernelImageStart,
                  let mine = kernel.symbols.address(of: name) else { continue }
            #expect(mine == dumped, "\(name)")
            compared += 1
        }
        #expect(compared >= 10, "compared \(compared)")
    }

    @Test func symbolsAgreeWithTheDumpsKallsyms() throws {
        let dwarf = try Self.kernel()
        let alone = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        for name in ["schedule", "do_wait", "linux_banner", "runqueues", "__per_cpu_offset", "jiffies_64"] {
            #expect(try dwarf.address(of: name) == (try alone.address(of: name)), "\(name)")
        }
    }

    @Test func typesComeFromDWARFByDefaultWithAVmlinux() throws {
        let kernel = try Self.kernel()
        #expect(kernel.typeSource == .dwarf)
        #expect(try kernel.types() is DwarfTypeInfo)
        #expect(try kernel.size(of: "struct task_struct") == 9728)
    }

    @Test func theSeedQuerysTypesIndexFewUnits() throws {
        let kernel = try Self.kernel()
        _ = try kernel.field("struct task_struct", "comm")
        _ = try kernel.field("struct task_struct", "tasks")
        _ = try kernel.field("struct task_struct", "pid")
        let dwarf = try #require(try kernel.types() as? DwarfTypeInfo)
        // The 6.1 cloud vmlinux has ~2800 units; task_struct is defined by the first C ones.
        #expect(dwarf.unitsIndexed < 50, "indexed \(dwarf.unitsIndexed) units")
    }

    @Test func typeSourceBTFKeepsTheDumpsTypesWithTheVmlinuxsSymbols() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"),
                                     options: .init(vmlinuxPath: try Fixtures.debugVmlinux(release: Fixtures.sysrqRelease), typeSource: .btf))
        #expect(try kernel.types() is BTFTypeInfo)
        #expect(kernel.symbolSource.hasPrefix("vmlinux "))
    }

    @Test func aVmlinuxOfAnotherBuildIsRefused() throws {
        let other = try Fixtures.path("linux-6.12-cloud-amd64", "vmcore-mdf-d23-zlib.kdump")
        let error = #expect(throws: DebugInfoError.self) {
            try Kernel.open(path: other, options: .init(vmlinuxPath: try Fixtures.debugVmlinux(release: Fixtures.sysrqRelease)))
        }
        #expect(error?.description.contains("is another build than the dump") == true)
    }

    /// The dimensions of an array type, outermost first, and its element's size.
    static func dimensions(_ types: any TypeInfo, _ id: TypeID) -> ([Int], Int?) {
        var counts: [Int] = []
        var t = types.resolved(id)
        while case .array(let element, let count) = types.shape(of: t) {
            counts.append(count)
            t = types.resolved(element)
        }
        return (counts, types.size(of: t))
    }

    @Test func multiDimensionalArraysAreArraysOfArrays() throws {
        // include/linux/memcontrol.h (6.1): struct mem_cgroup_per_node {
        //     unsigned long lru_zone_size[MAX_NR_ZONES][NR_LRU_LISTS]; ... }
        let dwarf = try Self.kernel()
        let btf = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"), options: .init(typeSource: .btf))
        let d = try dwarf.field("struct mem_cgroup_per_node", "lru_zone_size")
        let b = try btf.field("struct mem_cgroup_per_node", "lru_zone_size")
        let fromDWARF = Self.dimensions(try dwarf.types(), d.type), fromBTF = Self.dimensions(try btf.types(), b.type)
        // MAX_NR_ZONES is 5 on this config (DMA, DMA32, Normal, Movable, Device), NR_LRU_LISTS 5.
        #expect(fromDWARF.0 == [5, 5] && fromDWARF.1 == 8, "DWARF \(fromDWARF)")
        // pahole flattens multi-dimensional arrays into one ([25]); the bytes are the same.
        #expect(fromBTF.0.reduce(1, *) == 25 && fromBTF.1 == 8, "BTF \(fromBTF)")
        #expect(d.size == b.size && d.offset == b.offset)
    }
}
