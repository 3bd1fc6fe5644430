import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// `key=value` lines of truth/crash.txt.
func crashTruth(_ set: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for line in try Fixtures.truth(set, "crash.txt").split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        out[String(line[..<eq])] = String(line[line.index(after: eq)...])
    }
    return out
}

/// Who panicked and where, against truth/crash.txt and the console.
@Suite struct PanicInfoTests {
    static func panic(_ set: String, _ file: String) throws -> PanicInfo {
        try PanicInfo(kernel: try Kernel.open(path: try Fixtures.path(set, file)))
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func sysrqPanicNamesMessageCpuPidAndCommAsTruth(file: String) throws {
        let p = try Self.panic(Fixtures.sysrq, file)
        let truth = try crashTruth(Fixtures.sysrq)
        #expect(p.message == truth["panic_message"])
        #expect(p.cpu.map(String.init) == truth["panic_cpu"])
        #expect(p.pid.map(String.init) == truth["panic_pid"])
        #expect(p.comm == truth["panic_comm"])
        #expect(p.sources["cpu"] == "memory: panic_cpu")
        #expect(p.sources["pid"] == "memory: task_struct.pid")
        #expect(p.task != nil && p.task != 0)
        #expect(p.sysPanic == truth["panic_message"])
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func sysrqPanicHasNoOops(file: String) throws {
        let p = try Self.panic(Fixtures.sysrq, file)
        #expect(p.oops == nil)
    }

    /// console-panic.txt's call trace: the first reliable frame after
    /// dump_stack/panic is the function that called panic().
    @Test func sysrqIpSymbolIsPanicsCallerAsTheConsoleShowsIt() throws {
        let p = try Self.panic(Fixtures.sysrq, "vmcore-mdf-d31.elf")
        let console = try Fixtures.truth(Fixtures.sysrq, "console-panic.txt").split(separator: "\n")
        let frame = try #require(console.first { $0.contains("] ") && $0.hasSuffix("/0x20") && $0.contains("sysrq_handle_crash+") })
        let expected = String(frame[frame.firstRange(of: "] ")!.upperBound...]).trimmingCharacters(in: " ")
        #expect(p.ipSymbol?.text == expected)
        #expect(p.ipSymbol?.function == "sysrq_handle_crash")
        // The same position resolved through the dump's kallsyms.
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let ip = try #require(p.ip)
        #expect(kernel.symbols.describeWithSize(ip) == expected)
    }

    @Test func oopsPanicIsTheFatalExceptionOfTheInsmodTask() throws {
        let p = try Self.panic(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let truth = try crashTruth(Fixtures.oops)
        #expect(p.message == truth["panic_message"])
        #expect(p.cpu.map(String.init) == truth["oops_cpu"])
        #expect(p.pid.map(String.init) == truth["oops_pid"])
        #expect(p.comm == truth["oops_comm"])
        #expect(p.sysPanic == truth["oops_line"])
        let oops = try #require(p.oops)
        #expect(oops.headline == truth["oops_line"])
        #expect(p.ipSymbol?.function == truth["rip_function"])
        #expect(p.ipSymbol?.module == truth["rip_module"])
        #expect(p.ipSymbol.map { "0x" + String($0.offset, radix: 16) } == truth["rip_offset"])
        #expect(p.ipSymbol?.size.map { "0x" + String($0, radix: 16) } == truth["rip_size"])
    }

    @Test func oopsDecodeSaysWriteKernelModeNotPresentNotInstructionFetch() throws {
        let p = try Self.panic(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let truth = try crashTruth(Fixtures.oops)
        let oops = try #require(p.oops)
        #expect(oops.errorCode.map(hex4) == truth["oops_error_code"])
        #expect(oops.trap == 14)
        #expect(oops.dieCounter.map(String.init) == truth["die_counter"])
        #expect(oops.bug == truth["oops_bug"])
        #expect(oops.faultAddress == UInt64(truth["cr2"]!.dropFirst(2), radix: 16))
        let pf = try #require(oops.pageFault)
        #expect(pf.kernelAccessText == truth["pf_access"])
        #expect(pf.pageText == truth["pf_error_text"])
        #expect(!pf.has(.protection) && pf.has(.write) && !pf.has(.user) && !pf.has(.instructionFetch))
        #expect(pf.summary == "page not found during a write operation in kernel mode; not an instruction fetch")
        // The CPU line prints the taint letters padded with spaces, then the
        // release; the column keeps the letters without the padding.
        let taint = try #require(oops.taintText)
        #expect(truth["cpu_line"]!.contains(" Comm: insmod " + taint + " "))
        #expect(taint == "Tainted: " + truth["tainted_console"]!)
    }
}

/// `0x%04x`, as crash.txt spells error codes.
func hex4(_ v: UInt64) -> String {
    let h = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 4 - h.count)) + h
}

extension String {
    func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }

}
