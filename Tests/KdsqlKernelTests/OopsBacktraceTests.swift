import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The NULL-pointer Oops in module kdsql_oops (fixture linux-6.1-cloud-amd64-oops):
/// the panicking task's trace must cross the page-fault pt_regs into the
/// module, named from the module's own symbol table, and agree with the
/// Call Trace and registers the kernel printed (truth/console-panic.txt,
/// truth/oops-call-trace.csv).
@Suite struct OopsBacktraceTests {
    static let file = "vmcore-mdf-d31-zlib.kdump"

    static func crasherTrace() throws -> (StackTraces, StackTrace) {
        let traces = try StackTraces(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.oops, file)))
        // README: "Oops ... on CPU 0, task pid 213 (`insmod`, the crasher)".
        let crash = try Fixtures.truth(Fixtures.oops, "crash.txt")
        let pid = try #require(crash.split(whereSeparator: \.isNewline).first { $0.hasPrefix("panic_pid=") || $0.hasPrefix("crasher_pid=") }
            .flatMap { Int64($0.split(separator: "=")[1]) })
        let task = try #require(try traces.tasks.lookup(pid: pid).first)
        return (traces, traces.trace(task: task))
    }

    /// First `NAME: value` register values of the Oops report (the exception frame).
    static func printedRegisters() throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in try Fixtures.truth(Fixtures.oops, "console-panic.txt").split(whereSeparator: \.isNewline) {
            let words = line.split(separator: " ").map(String.init)
            for (i, w) in words.enumerated() where w.hasSuffix(":") && i + 1 < words.count {
                let name = String(w.dropLast())
                guard ["RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R08", "R09", "R10", "R11", "R12", "R13", "R14", "R15", "RSP"].contains(name),
                      out[name] == nil else { continue }
                // "RSP: 0018:ffffd12a40757cd8": the value follows the segment selector.
                let text = words[i + 1].split(separator: ":").last.map(String.init) ?? ""
                if let v = UInt64(text, radix: 16) { out[name] = v }
            }
            if line.contains("Call Trace:") { break }
        }
        return out
    }

    @Test func traceCrossesThePageFaultFrameIntoTheModuleAndOnToTheSyscall() throws {
        let (_, trace) = try Self.crasherTrace()
        #expect(trace.frames.allSatisfy { $0.error == nil }, "\(trace.frames.compactMap(\.error))")
        let exception = try #require(trace.frames.firstIndex { $0.isExceptionFrame && $0.module == "kdsql_oops" })
        // Base names: GCC splits cold paths into `oops_end.cold`.
        let before = trace.frames[..<exception].compactMap { $0.function.map { String($0.split(separator: ".")[0]) } }
        // The fault path down to the panic, innermost first.
        let faultPath = ["oops_end", "page_fault_oops", "exc_page_fault", "asm_exc_page_fault"]
        #expect(faultPath.allSatisfy(before.contains))
        #expect(faultPath.compactMap { before.firstIndex(of: $0) } == faultPath.compactMap { before.firstIndex(of: $0) }.sorted())
        #expect(before.last == "asm_exc_page_fault")
        // From the saved pt_regs on: the printed RIP, then the reliable Call Trace.
        let printed = try Fixtures.truthCSV(Fixtures.oops, "oops-call-trace.csv").filter { $0["reliable"] == "1" }
        let after = trace.frames[exception...]
        #expect(after.first?.symbol == "kdsql_oops_write+0x5/0x1000")
        #expect(Array(after.dropFirst().map { $0.symbol ?? "?" }) ==
                printed.map { "\($0["function"]!)+\($0["offset"]!)/\($0["size"]!)" })
        #expect(Array(after.dropFirst().map { $0.module ?? "" }) == printed.map { $0["module"] ?? "" })
    }

    @Test func exceptionFrameRegistersAreThoseTheOopsPrinted() throws {
        let (_, trace) = try Self.crasherTrace()
        let frame = try #require(trace.frames.first { $0.isExceptionFrame && $0.module == "kdsql_oops" })
        let regs = try #require(frame.registers)
        let printed = try Self.printedRegisters()
        #expect(printed.count == 16)
        for (name, value) in printed {
            let mine = name == "RSP" ? regs["rsp"] : regs["r" + name.dropFirst().lowercased().replacingZeroPrefix()]
            #expect(mine == value, "\(name)")
        }
        #expect(frame.regsAddress != nil)
        #expect(frame.method == .ptRegs)
    }
}

extension String {
    /// "08" → "8" so that the Oops's R08 maps to user_regs_struct's r8.
    func replacingZeroPrefix() -> String { hasPrefix("0") ? String(dropFirst()) : self }
}
