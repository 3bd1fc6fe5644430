import Testing
import FixtureSupport
import KdsqlDebugInfo

/// System.map parsing, KASLR relocation and symbolization, checked against
/// what the running fixture kernel reported (/proc/kallsyms, /proc/PID/stack).
@Suite struct SystemMapTests {
    let kernel: FixtureKernel.Loaded
    let map: SystemMap
    init() throws {
        kernel = try FixtureKernel.get()
        map = try SystemMap(bytes: kernel.systemMapBytes, kaslrOffset: kernel.vmcoreinfo.kernelOffset)
    }

    static func hex(_ s: Substring) -> UInt64? { UInt64(s.hasPrefix("0x") ? s.dropFirst(2) : s, radix: 16) }

    @Test func relocatedAddressesMatchTheRunningKernelsKallsyms() throws {
        let lines = try Fixtures.truth(Fixtures.sysrq, "kallsyms-selected.txt").split(separator: "\n")
        #expect(lines.count > 10)
        for line in lines {
            let f = line.split(separator: " ")
            try #require(f.count == 3, "kallsyms line \(line)")
            #expect(map.address(of: String(f[2])) == Self.hex(f[0]), "\(line)")
        }
        #expect(lines.contains { $0.hasSuffix(" init_task") })
    }

    @Test func symbolizeReproducesEveryKernelStackFrame() throws {
        var frames = 0
        for row in try Fixtures.truthCSV(Fixtures.sysrq, "stacks.csv") where row["module"] == "" {
            let function = try #require(row["function"])
            let offset = try #require(Self.hex(row["offset"]![...])), size = try #require(Self.hex(row["size"]![...]))
            let start = try #require(map.address(of: function), "\(function) not in System.map")
            let found = try #require(map.symbolize(start + offset))
            #expect(found.symbol.name == function && found.offset == offset && found.size == size, "\(row)")
            frames += 1
        }
        #expect(frames > 100)
    }

    @Test func describeGivesNamePlusHexOffset() throws {
        let initTask = try #require(map.address(of: "init_task"))
        #expect(map.describe(initTask) == "init_task")
        #expect(map.describe(initTask + 0x10) == "init_task+0x10")
        let crash = try #require(map.address(of: "sysrq_handle_crash"))
        #expect(map.describeWithSize(crash + 0x16)?.hasPrefix("sysrq_handle_crash+0x16/0x") == true)
    }

    @Test func absoluteAndPerCpuSymbolsNeverAnswerSymbolize() throws {
        // Which symbols are absolute depends on how the map was made: the -dbg System.map
        // (shared/fixtures) has a handful of `A` symbols (text_size, init_per_cpu__*) and
        // per-CPU offsets typed D; a map rebuilt from /proc/kallsyms (Tests/Fixtures/README.md)
        // types the ~370 per-CPU offsets `A`.  So take the `A` symbols from this map itself.
        var absolutes: [(name: String, value: UInt64)] = []
        for line in String(decoding: kernel.systemMapBytes, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3, f[1] == "A" || f[1] == "a", let v = UInt64(f[0], radix: 16) else { continue }
            absolutes.append((String(f[2]), v))
        }
        #expect(!absolutes.isEmpty, "the map lists no absolute symbols")
        var lowChecked = 0
        for a in absolutes {
            let address = try #require(map.address(of: a.name), "\(a.name) not found by name")
            // Whatever answers for the address, it is never an absolute symbol.
            #expect(map.symbolize(address)?.symbol.type != "A", "\(a.name)")
            if a.value < 0xffff_8000_0000_0000 {
                // A constant or per-CPU offset: not relocated, and not a kernel address.
                #expect(address == a.value, "\(a.name) was relocated")
                #expect(map.symbolize(a.value) == nil, "\(a.name) at 0x\(String(a.value, radix: 16))")
                lowChecked += 1
            }
        }
        #expect(lowChecked > 0, "no absolute constant or per-CPU offset in the map")
        // cpu_debug_store is a per-CPU offset in every map (D in the -dbg map, A when rebuilt).
        #expect(map.address(of: "cpu_debug_store") == 0x1000)
        #expect(map.symbolize(0x1000) == nil)
        #expect(map.symbolize(0xffff_ffff_ffff_f000) == nil)  // past the last symbol
    }

    @Test func validatesAgainstItsOwnDump() throws {
        try map.validate(against: kernel.vmcoreinfo)
    }

    @Test func wrongKaslrOffsetIsAMismatchNamingTheSymbol() throws {
        let unrelocated = try SystemMap(bytes: kernel.systemMapBytes, kaslrOffset: 0)
        let dumped = try #require(kernel.vmcoreinfo.symbol("init_uts_ns"))
        let expected = "System.map does not match the dump: SYMBOL(init_uts_ns) is 0x\(String(dumped, radix: 16)) in VMCOREINFO but 0x\(String(dumped - kernel.vmcoreinfo.kernelOffset, radix: 16)) in the map (wrong kernel build, or wrong KASLR offset)"
        #expect(throws: DebugInfoError.mismatch(expected)) { try unrelocated.validate(against: kernel.vmcoreinfo) }
    }

    @Test func mapFromAnotherBuildIsAMismatch() throws {
        let dumped = try #require(kernel.vmcoreinfo.symbol("init_uts_ns"))
        let other = try SystemMap(text: "ffffffff81000000 T _text\nffffffff82bf0000 D init_uts_ns\n", kaslrOffset: kernel.vmcoreinfo.kernelOffset)
        #expect(performing: { try other.validate(against: kernel.vmcoreinfo) }, throws: { error in
            "\(error)".hasPrefix("System.map does not match the dump: SYMBOL(init_uts_ns) is 0x\(String(dumped, radix: 16)) in VMCOREINFO but 0x\(String(0xffff_ffff_82bf_0000 + kernel.vmcoreinfo.kernelOffset, radix: 16)) in the map")
        })
    }

    @Test func mapSharingNoSymbolWithTheDumpIsAMismatch() throws {
        let other = try SystemMap(text: "ffffffff81000000 T _text\n")
        #expect(performing: { try other.validate(against: kernel.vmcoreinfo) }, throws: { "\($0)".contains("none of the") })
    }
}

/// System.map parsing rules on small hand-written maps.
@Suite struct SystemMapParsingTests {
    @Test func malformedLinesAreSkipped() throws {
        let map = try SystemMap(text: """
            ffffffff81000000 T _text
            this is not a symbol
            zzzz T bad_hex
            ffffffff81000010
            ffffffff81000020 T
            ffffffff81000100 t local_fn
            ffffffff81000200 T _etext
            """)
        #expect(map.count == 3)
        #expect(map.allSymbols.map(\.name) == ["_text", "local_fn", "_etext"])
        #expect(map.symbolize(0xffff_ffff_8100_0150)?.size == 0x100)
    }

    @Test func textWithoutSymbolsIsMalformed() {
        #expect(throws: DebugInfoError.self) { try SystemMap(text: "") }
        #expect(throws: DebugInfoError.self) { try SystemMap(text: "hello\nworld\n") }
    }

    @Test func unsortedMapIsSortedForLookups() throws {
        let map = try SystemMap(text: "ffffffff81000200 T c\nffffffff81000000 T a\nffffffff81000100 T b\n", kaslrOffset: 0x1000)
        #expect(map.allSymbols.map(\.address) == [0xffff_ffff_8100_1000, 0xffff_ffff_8100_1100, 0xffff_ffff_8100_1200])
        #expect(map.describe(0xffff_ffff_8100_1104) == "b+0x4")
    }

    @Test func globalSymbolWinsOverStaticOfTheSameName() throws {
        let map = try SystemMap(text: "ffffffff81000000 t dup\nffffffff81000100 T dup\nffffffff81000200 t dup\n")
        #expect(map.address(of: "dup") == 0xffff_ffff_8100_0100)
    }

    @Test func firstAliasNamesAnAddress() throws {
        let map = try SystemMap(text: "ffffffff81000000 T _stext\nffffffff81000000 T _text\nffffffff81000040 T next\n")
        #expect(map.symbolize(0xffff_ffff_8100_0008).map { ($0.symbol.name, $0.size) } ?? ("", nil) == ("_stext", 0x40))
    }
}
