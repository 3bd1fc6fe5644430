import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The Oops parser on log records: the console's copy of the Oops
/// (truth/console-panic.txt, one record per line) and the dump's own log.
@Suite struct OopsReportTests {
    static func consoleRecords(_ set: String) throws -> [LogRecord] {
        try Fixtures.truth(set, "console-panic.txt").split(separator: "\n").enumerated().map { i, line in
            PrintkCharLog.parse(line: Array(line.utf8), seq: UInt64(i))
        }
    }

    @Test func theConsolesOopsDecodesAsCrashTxtSays() throws {
        let oopses = OopsReport.find(in: try Self.consoleRecords(Fixtures.oops))
        let truth = try crashTruth(Fixtures.oops)
        #expect(oopses.count == 1)
        let o = try #require(oopses.first)
        #expect(o.headline == truth["oops_line"])
        #expect(o.kind == "Oops")
        #expect(o.errorCode.map(hex4) == truth["pf_error_code"])
        #expect(o.dieCounter.map(String.init) == truth["die_counter"])
        #expect(o.bug == truth["oops_bug"])
        #expect(o.cpu.map(String.init) == truth["oops_cpu"])
        #expect(o.pid.map(String.init) == truth["oops_pid"])
        #expect(o.comm == truth["oops_comm"])
        let ip = try #require(o.ip)
        #expect("RIP: 0010:" + ip.text + " [" + (ip.module ?? "") + "]" == truth["rip_line"])
        // The executive-summary CR2, not the register dump's (README caveat: show_opcodes() overwrote CR2).
        #expect(o.faultAddress == UInt64(truth["cr2"]!.dropFirst(2), radix: 16))
        #expect(o.faultAddress != UInt64(truth["cr2_in_register_dump"]!.dropFirst(2), radix: 16))
    }

    @Test func theDumpsLogHoldsTheSameOopsAsTheConsole() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"))
        let fromDump = OopsReport.find(in: try KernelLog(kernel: kernel).records)
        let fromConsole = OopsReport.find(in: try Self.consoleRecords(Fixtures.oops))
        #expect(fromDump.count == 1)
        var a = try #require(fromDump.first), b = try #require(fromConsole.first)
        // The console prints microseconds.
        #expect(a.tsNs.map { $0 / 1000 * 1000 } == b.tsNs)
        a.seq = 0; b.seq = 0
        a.tsNs = b.tsNs
        #expect(a == b)
    }

    @Test func theSysrqLogHasNoOops() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        #expect(OopsReport.find(in: try KernelLog(kernel: kernel).records).isEmpty)
    }

    @Test func otherDieStringsMapToTheirTrapAndHaveNoPageFaultDecode() {
        let records = ["general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI",
                       "CPU: 1 PID: 77 Comm: kworker/1:2 Not tainted 6.1.0 #1",
                       "RIP: 0010:list_del+0x10/0x40",
                       "invalid opcode: 0000 [#2] PREEMPT SMP NOPTI"]
            .enumerated().map { LogRecord(seq: UInt64($0.offset), text: $0.element) }
        let o = OopsReport.find(in: records)
        #expect(o.map(\.trap) == [13, 6])
        #expect(o.map(\.dieCounter) == [1, 2])
        #expect(o.allSatisfy { $0.pageFault == nil })
        #expect(o[0].comm == "kworker/1:2" && o[0].taintText == "Not tainted" && o[0].ip?.text == "list_del+0x10/0x40")
    }
}
