import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Which SysRq key crashed the machine, from the stack or, without one, the log.
@Suite struct SysRqTriggerTests {
    static func sysrq() throws -> (SysRq, Kernel) {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        return (try SysRq(kernel: kernel), kernel)
    }

    static func records(_ texts: [String]) -> [LogRecord] {
        texts.enumerated().map { LogRecord(seq: UInt64($0.offset), text: $0.element) }
    }

    @Test func theHandlerOnThePanickingStackNamesTheKey() throws {
        let (sysrq, kernel) = try Self.sysrq()
        let found = SysRqTrigger.key(sysrq: sysrq, panicFunctions: ["panic", "sysrq_handle_crash", "__handle_sysrq"],
                                     records: [], panicSeq: nil, panicMessage: nil, symbols: kernel.symbols)
        #expect(found?.key == "c" && found?.source == "stack: sysrq_handle_crash")
    }

    @Test func withoutAStackTheActionLineBeforeThePanicNamesTheKey() throws {
        let (sysrq, kernel) = try Self.sysrq()
        let log = Self.records(["sysrq: Show Memory", "Mem-Info:", "sysrq: Trigger a crash",
                                "Kernel panic - not syncing: sysrq triggered crash"])
        let found = SysRqTrigger.key(sysrq: sysrq, panicFunctions: nil, records: log, panicSeq: 3,
                                     panicMessage: "sysrq triggered crash", symbols: kernel.symbols)
        #expect(found?.key == "c" && found?.source == "log: sysrq: Trigger a crash")
    }

    /// A key used earlier in the boot did not cause an unrelated panic, and
    /// the loglevel keys share one action line, so it names no single key.
    @Test func anEarlierOrAmbiguousActionNamesNoKey() throws {
        let (sysrq, kernel) = try Self.sysrq()
        let earlier = Self.records(["sysrq: Show Memory", "Mem-Info:", "Kernel panic - not syncing: Attempted to kill init!"])
        #expect(SysRqTrigger.key(sysrq: sysrq, panicFunctions: [], records: earlier, panicSeq: 2,
                                 panicMessage: "Attempted to kill init!", symbols: kernel.symbols) == nil)
        let loglevel = Self.records(["sysrq: Changing Loglevel", "Kernel panic - not syncing: something"])
        #expect(SysRqTrigger.key(sysrq: sysrq, panicFunctions: [], records: loglevel, panicSeq: 1,
                                 panicMessage: "something", symbols: kernel.symbols) == nil)
    }
}
