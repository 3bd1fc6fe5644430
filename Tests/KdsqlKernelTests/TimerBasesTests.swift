import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The number of timer bases (NR_BASES: 2, or 3 from 6.9) came from the
/// `timer_bases` symbol's extent, which a System.map does not give for a
/// per-CPU symbol: with `-m` a 6.12 kernel lost BASE_DEF's timers and
/// mislabelled the rest. The rows must not depend on where symbols came from.
@Suite struct TimerBasesTests {
    @Test(arguments: Fixtures.everyKernel.map(\.set))
    func theTimersAreTheSameWithAndWithoutASystemMap(set: String) throws {
        let entry = Fixtures.everyKernel.first { $0.set == set }!
        let dump = try Fixtures.path(set, entry.dump)
        let fromDump = try TimerWheel(kernel: try Kernel.open(path: dump))
        let fromMap = try TimerWheel(kernel: try Kernel.open(path: dump, options: .init(systemMapPath: try Fixtures.path(set, entry.systemMap))))
        #expect(fromMap.baseNames == fromDump.baseNames)
        #expect(fromDump.baseNames.count == (set == Fixtures.sysrq612 ? 3 : 2))
        let a = try fromDump.all(), b = try fromMap.all()
        #expect(a.count == b.count)
        #expect(a.map { "\($0)" } == b.map { "\($0)" })
    }
}
