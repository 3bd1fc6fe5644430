import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// What changed in the Oops text after 6.1, and the kdump production path.
@Suite struct OopsOnNewerKernelsTests {
    static func records(_ lines: [String]) -> [LogRecord] {
        lines.enumerated().map { i, line in PrintkCharLog.parse(line: Array(line.utf8), seq: UInt64(i)) }
    }

    @Test func the612OopsFixtureHasKindOopsAndTrap14() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.oops612, Fixtures.dump612))
        let oopses = OopsReport.find(in: try KernelLog(kernel: kernel).records)
        let truth = try Fixtures.truth(Fixtures.oops612, "crash.txt")
        #expect(truth.contains("oops_line=Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI"))
        let o = try #require(oopses.first)
        #expect(o.headline == "Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI")
        #expect(o.kind == "Oops")
        #expect(o.trap == 14)
        #expect(o.pageFault != nil)
        #expect(o.comm == "insmod")
        #expect(o.taintText == "Tainted: G           OE")
    }

    @Test(arguments: [
        ("Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", "invalid opcode", 6),
        ("Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI",
         "general protection fault", 13),
        ("Oops: int3: 0000 [#1] PREEMPT SMP NOPTI", "int3", 3),
        ("general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI",
         "general protection fault", 13),
        ("invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", "invalid opcode", 6),
    ])
    func theKindIsTheDieStringAndTheTrapFollowsIt(line: String, kind: String, trap: Int) {
        let o = OopsReport.find(in: Self.records(["[    1.000000] " + line])).first
        #expect(o?.kind == kind)
        #expect(o?.trap == trap)
        // Only a page fault has a page-fault summary.
        #expect(o?.pageFault == nil)
    }

    static let kdumpOops = [
        "[   12.674643] BUG: kernel NULL pointer dereference, address: 0000000000000000",
        "[   12.675187] Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI",
        "[   12.675418] CPU: 1 UID: 0 PID: 268 Comm: insmod Kdump: loaded Tainted: G           OE      6.12.117+deb12-cloud-amd64 #1  Debian 6.12.117-1~deb12u1",
        "[   12.675952] RIP: 0010:kdsql_oops_write+0x5/0xff0 [kdsql_oops]",
        "[   12.677302] Call Trace:",
        "[   12.677527]  kdsql_oops_init+0x1a/0xff0 [kdsql_oops]",
        "[   12.679000] CR2: 0000000000000000",
        "[   12.679100] ---[ end trace 0000000000000000 ]---",
    ]

    @Test func aKdumpArmedCPULineGivesTheCommAlone() throws {
        let o = try #require(OopsReport.find(in: Self.records(Self.kdumpOops)).first)
        #expect(o.comm == "insmod")
        #expect(o.pid == 268)
        #expect(o.kdumpLoaded == true)
        #expect(o.taintText == "Tainted: G           OE")
    }

    @Test func withoutAPanicCallThePanicMessageIsTheOopsLine() {
        let p = PanicInfo(records: Self.records(Self.kdumpOops))
        #expect(p.message == "Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI")
        #expect(p.sysPanic == p.message)
        #expect(p.comm == "insmod")
    }

    @Test func theTaintHasNoTrailingSpaces() throws {
        for set in [Fixtures.oops, Fixtures.oops612] {
            let file = set == Fixtures.oops ? "vmcore-mdf-d31-zlib.kdump" : Fixtures.dump612
            let kernel = try Kernel.open(path: try Fixtures.path(set, file))
            let p = try PanicInfo(kernel: kernel)
            let taint = try #require(p.oops?.taintText)
            #expect(!taint.hasSuffix(" "), "\(set): '\(taint)'")
            #expect(taint == "Tainted: G           OE")
        }
    }
}
