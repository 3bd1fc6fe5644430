import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The module walker against the guest's /proc/modules (truth/modules.csv) and
/// the Oops fixture's console, which names the module being loaded.
@Suite struct ModulesTests {
    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    @Test(arguments: Fixtures.sysrqDumps)
    func modulesEqualProcModulesRowByRow(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let mods = try Modules(kernel: kernel).all()
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv")
        // /proc/modules lists the modules list in order, so the rows line up.
        #expect(mods.map(\.name) == truth.map { $0["name"]! })
        for (m, t) in zip(mods, truth) {
            #expect(m.size == UInt64(t["size"]!)!, "size of \(m.name)")
            #expect(m.refcount == Int64(t["refcount"]!)!, "refcount of \(m.name)")
            #expect(m.usedBy?.joined(separator: ",") == t["used_by"]!, "used_by of \(m.name)")
            #expect(m.procState == t["state"]!, "state of \(m.name)")
            #expect(m.state == "LIVE")
            #expect(Self.hex(m.base) == t["address"]!, "address of \(m.name)")
            #expect(m.taintLetters == t["taint"]!, "taint of \(m.name)")
        }
    }

    /// `Modules linked in: kdsql_oops(OE+) dummy ...` (truth/console-panic.txt):
    /// print_modules() lists the modules list in order with module_flags():
    /// taint letters, then `+` for COMING / `-` for GOING.
    static func modulesLinkedIn() throws -> [(name: String, flags: String)] {
        let console = try Fixtures.truth(Fixtures.oops, "console-panic.txt")
        let line = try #require(console.split(separator: "\n").first { $0.contains("Modules linked in:") })
        let list = line.split(separator: ":", maxSplits: 1)[1].split(separator: "]").last ?? ""
        return list.split(separator: " ").compactMap { word -> (String, String)? in
            let parts = word.split(separator: "(", maxSplits: 1)
            guard let name = parts.first, name.contains(where: { $0 != " " }) else { return nil }
            return (String(name), parts.count > 1 ? String(parts[1].dropLast()) : "")
        }
    }

    @Test func oopsDumpHasTheModuleBeingLoadedAsComingWithItsTaints() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"))
        let mods = try Modules(kernel: kernel).all()
        let linked = try Self.modulesLinkedIn()
        #expect(linked.count == 11)
        #expect(mods.map(\.name) == linked.map(\.name))
        for (m, l) in zip(mods, linked) {
            let flags = m.taintLetters + (m.state == "COMING" ? "+" : m.state == "GOING" ? "-" : "")
            #expect(flags == l.flags, "flags of \(m.name)")
        }
        let oops = try #require(mods.first { $0.name == "kdsql_oops" })
        #expect(oops.state == "COMING")
        #expect(oops.procState == "Loading")
    }

    @Test func oopsDumpStillHasEveryModuleOfItsTruth() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"))
        let mods = Dictionary(uniqueKeysWithValues: try Modules(kernel: kernel).all().map { ($0.name, $0) })
        let truth = try Fixtures.truthCSV(Fixtures.oops, "modules.csv")
        #expect(truth.count == 10)
        for t in truth {
            let m = try #require(mods[t["name"]!], "\(t["name"]!) missing")
            #expect(m.size == UInt64(t["size"]!)!)
            #expect(m.refcount == Int64(t["refcount"]!)!)
            #expect(Self.hex(m.base) == t["address"]!)
        }
    }
}

@Suite struct ModuleSymbolsTests {
    static func oopsSymbols() throws -> ModuleSymbols {
        try ModuleSymbols(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")))
    }

    /// `RIP: 0010:kdsql_oops_write+0x5/0x1000 [kdsql_oops]` and the address of
    /// `Code: Unable to access opcode bytes at X`: show_opcodes() reads the 42
    /// bytes before RIP (arch/x86/kernel/dumpstack.c PROLOGUE_SIZE; the README
    /// says so), so RIP = X + 42.
    static func consoleRIP() throws -> (rip: UInt64, text: String) {
        let console = try Fixtures.truth(Fixtures.oops, "console-panic.txt")
        let lines = console.split(separator: "\n")
        let ripLine = try #require(lines.first { $0.contains("RIP: 0010:") })
        let text = String(try #require(ripLine.split(separator: "RIP: 0010:").last))
        let codeLine = try #require(lines.first { $0.contains("Unable to access opcode bytes at 0x") })
        let hex = try #require(codeLine.split(separator: "at 0x").last).prefix { $0.isHexDigit }
        return (try #require(UInt64(hex, radix: 16)) + 42, text)
    }

    @Test func theOopsRIPSymbolizesAsTheConsolePrintedIt() throws {
        let symbols = try Self.oopsSymbols()
        let (rip, text) = try Self.consoleRIP()
        #expect(text == "kdsql_oops_write+0x5/0x1000 [kdsql_oops]")
        #expect(symbols.describe(rip) == text)
        let s = try #require(symbols.symbolize(rip))
        #expect(s.module == "kdsql_oops")
        #expect(s.name == "kdsql_oops_write")
        #expect(s.offset == 5)
        #expect(s.size == 0x1000)
    }

    @Test func theOopsCallTraceModuleFramesSymbolizeWithTheirPrintedSizes() throws {
        let symbols = try Self.oopsSymbols()
        let frames = try Fixtures.truthCSV(Fixtures.oops, "oops-call-trace.csv").filter { $0["module"] == "kdsql_oops" }
        #expect(!frames.isEmpty)
        let all = try symbols.all()
        for f in frames {
            let sym = try #require(all.first { $0.name == f["function"]! && $0.module == "kdsql_oops" }, "\(f["function"]!) not in kdsql_oops")
            let offset = try #require(UInt64(f["offset"]!.dropFirst(2), radix: 16))
            let s = try #require(symbols.symbolize(sym.address + offset))
            #expect(s.name == f["function"]!)
            #expect("0x" + String(s.size, radix: 16) == f["size"]!)
        }
    }

    @Test func initAndWriteFunctionsAreTextSymbolsOfKdsqlOops() throws {
        let symbols = try Self.oopsSymbols()
        let mod = try #require(symbols.modules.first { $0.name == "kdsql_oops" })
        let syms = try symbols.symbols(of: mod)
        let write = try #require(syms.first { $0.name == "kdsql_oops_write" })
        let initFn = try #require(syms.first { $0.name == "kdsql_oops_init" })
        #expect(write.type.lowercased() == "t")
        #expect(initFn.type.lowercased() == "t")
        // init text is in the init region, kdsql_oops_write in core text.
        #expect(mod.regions.contains { $0.isInit && $0.contains(initFn.address) })
        #expect(mod.regions.contains { !$0.isInit && $0.contains(write.address) })
    }

    /// After init, mod->kallsyms is the core-only copy: every defined symbol
    /// is in the module's own memory and text symbols are in its text.
    @Test func liveModulesSymbolsLieInsideTheirModules() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let symbols = try ModuleSymbols(kernel: kernel)
        #expect(symbols.modules.count == 10)
        for m in symbols.modules {
            let syms = try symbols.symbols(of: m).filter(\.isDefined)
            #expect(syms.contains { $0.type.lowercased() == "t" }, "\(m.name) has no text symbols")
            for s in syms where s.type.lowercased() == "t" {
                #expect(m.regions.contains { $0.contains(s.address) && s.address - $0.base < $0.textSize }, "\(m.name):\(s.name)")
                #expect(symbols.symbolize(s.address)?.name == s.name || syms.contains { $0.address == s.address && $0.name != s.name })
            }
        }
    }
}

@Suite struct ModuleParametersTests {
    /// dummy_init_module() creates `numdummies` devices dummy0..N-1
    /// (drivers/net/dummy.c), so the parameter's value is the number of
    /// dummy devices truth/netdevs.csv lists.
    @Test func dummysNumdummiesIsTheNumberOfDummyDevices() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let dummy = try #require(try Modules(kernel: kernel).named("dummy"))
        let params = try ModuleParameters(kernel: kernel).parameters(of: dummy.address)
        let devices = try Fixtures.truthCSV(Fixtures.sysrq, "netdevs.csv").filter { $0["name"]!.hasPrefix("dummy") }.count
        #expect(devices == 1)
        #expect(params.map(\.name) == ["numdummies"])
        #expect(params.first?.value == String(devices))
    }
}
