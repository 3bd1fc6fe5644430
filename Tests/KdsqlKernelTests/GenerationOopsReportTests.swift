import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The module Oops of every configured generation that has an oops set
/// (make-dump builds kdsql_oops with the kernel's own compiler): the panic,
/// the Oops decode, the taint and the module being loaded, each against that
/// set's own truth (crash.txt, tainted-at-crash.txt, console-panic.txt), so
/// the Oops text and the structures of each kernel version are checked where
/// they differ (7.x prints `Oops: Oops:` and `PREEMPT(lazy)` after the release).
@Suite struct GenerationOopsReportTests {
    static var generationsWithOops: [KernelGeneration] { Fixtures.generations.filter(\.hasOops) }

    static func kernel(_ g: KernelGeneration) throws -> Kernel {
        try Kernel.open(path: try Fixtures.path(g.oops, g.dump))
    }

    static func keyValues(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    @Test(arguments: generationsWithOops)
    func panicIsTheFatalExceptionOfTheInsmodTaskAsTruth(_ g: KernelGeneration) throws {
        let p = try PanicInfo(kernel: try Self.kernel(g))
        let truth = try crashTruth(g.oops)
        #expect(p.message == truth["panic_message"], "\(g)")
        #expect(p.cpu.map(String.init) == truth["oops_cpu"], "\(g)")
        #expect(p.pid.map(String.init) == truth["oops_pid"], "\(g)")
        #expect(p.comm == truth["oops_comm"], "\(g)")
        #expect(p.sysPanic == truth["oops_line"], "\(g)")
        #expect(p.oops?.headline == truth["oops_line"], "\(g)")
    }

    @Test(arguments: generationsWithOops)
    func ripIsTheModulesWriteFunctionAsTheConsolePrintedIt(_ g: KernelGeneration) throws {
        let p = try PanicInfo(kernel: try Self.kernel(g))
        let truth = try crashTruth(g.oops)
        #expect(p.ipSymbol?.function == truth["rip_function"], "\(g)")
        #expect(p.ipSymbol?.module == truth["rip_module"], "\(g)")
        #expect(p.ipSymbol.map { "0x" + String($0.offset, radix: 16) } == truth["rip_offset"], "\(g)")
        #expect(p.ipSymbol?.size.map { "0x" + String($0, radix: 16) } == truth["rip_size"], "\(g)")
    }

    @Test(arguments: generationsWithOops)
    func oopsDecodeIsAKernelModeWriteToANotPresentPage(_ g: KernelGeneration) throws {
        let oops = try #require(try PanicInfo(kernel: try Self.kernel(g)).oops, "\(g)")
        let truth = try crashTruth(g.oops)
        #expect(oops.kind == "Oops", "\(g)")
        #expect(oops.errorCode.map(hex4) == truth["oops_error_code"], "\(g)")
        #expect(oops.trap == 14, "\(g)")
        #expect(oops.dieCounter.map(String.init) == truth["die_counter"], "\(g)")
        #expect(oops.bug == truth["oops_bug"], "\(g)")
        #expect(oops.faultAddress == UInt64(try #require(truth["cr2"]).dropFirst(2), radix: 16), "\(g)")
        #expect(oops.pid.map(String.init) == truth["oops_pid"], "\(g)")
        #expect(oops.comm == truth["oops_comm"], "\(g)")
        let pf = try #require(oops.pageFault, "\(g)")
        #expect(pf.kernelAccessText == truth["pf_access"], "\(g)")
        #expect(pf.pageText == truth["pf_error_text"], "\(g)")
        #expect(oops.taintText == "Tainted: " + (truth["tainted_console"] ?? "").trimmingCharacters(in: " "), "\(g)")
    }

    /// oops_end() adds TAINT_DIE after the Oops text (tainted-at-crash.txt).
    @Test(arguments: generationsWithOops)
    func taintMaskIsTheConsolesPlusDie(_ g: KernelGeneration) throws {
        let t = try Taint(kernel: try Self.kernel(g))
        let truth = Self.keyValues(try Fixtures.truth(g.oops, "tainted-at-crash.txt"))
        #expect(t.mask == UInt64(try #require(truth["expected_tainted_mask_in_dump"])), "\(g)")
        #expect(t.flags.filter(\.isSet).map(\.letter) == ["D", "O", "E"], "\(g)")
    }

    /// `Modules linked in: kdsql_oops(OE+) dummy ...` of crash.txt: the module
    /// list in order, with taint letters and `+` for the module still COMING.
    @Test(arguments: generationsWithOops)
    func modulesAreTheConsolesListWithTheOutOfTreeModuleComingAndTainted(_ g: KernelGeneration) throws {
        let mods = try Modules(kernel: try Self.kernel(g)).all()
        let linked = try #require(try crashTruth(g.oops)["modules_linked_in"], "\(g)").split(separator: " ").map { word in
            let parts = word.split(separator: "(", maxSplits: 1)
            return (name: String(parts[0]), flags: parts.count > 1 ? String(parts[1].dropLast()) : "")
        }
        #expect(mods.map(\.name) == linked.map(\.name), "\(g)")
        for (m, l) in zip(mods, linked) {
            let flags = m.taintLetters + (m.state == "COMING" ? "+" : m.state == "GOING" ? "-" : "")
            #expect(flags == l.flags, "\(g) flags of \(m.name)")
        }
        let oops = try #require(mods.first { $0.name == "kdsql_oops" }, "\(g)")
        #expect(oops.state == "COMING", "\(g)")
        #expect(oops.taintLetters == "OE", "\(g)")
    }

    /// The Oops lines of the console are records of the dump's log, in order.
    @Test(arguments: generationsWithOops)
    func logHasTheConsolesOopsLinesInOrder(_ g: KernelGeneration) throws {
        let texts = try KernelLog(kernel: try Self.kernel(g)).records.compactMap(\.text)
        let truth = try crashTruth(g.oops)
        var from = texts.startIndex
        for key in ["oops_bug", "oops_line", "cpu_line", "rip_line", "end_trace_line"] {
            let want = try #require(truth[key], "\(g) \(key)").trimmingCharacters(in: " ")
            let i = try #require(texts[from...].firstIndex { $0.trimmingCharacters(in: " ") == want }, "\(g): no record '\(want)'")
            from = i + 1
        }
        #expect(texts[from...].contains("Kernel panic - not syncing: " + (truth["panic_message"] ?? "")), "\(g)")
    }
}
