import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Timer wheels and hrtimer queues on every configured generation: per-CPU
/// bases found through the generation's own direct-map and per-CPU layout
/// (5.10's per-CPU area lies in vmalloc space close to the direct map),
/// NR_BASES 2 before 6.9 and 3 after, and 7.x's linked timerqueue nodes.
@Suite struct GenerationTimersTests {
    static func kernel(_ g: KernelGeneration) throws -> Kernel {
        try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump))
    }

    static func series(_ g: KernelGeneration) -> (Int, Int) {
        let p = g.series.split(separator: ".").compactMap { Int($0) }
        return (p[0], p[1])
    }

    /// kernel/time/timer.c: BASE_STD/BASE_DEF up to 6.8, BASE_LOCAL/BASE_GLOBAL/BASE_DEF from 6.9;
    /// a timer's flags name its CPU and wheel bucket, and deferrable timers sit in BASE_DEF.
    @Test(arguments: Fixtures.generations)
    func everyTimerSitsWhereItsFlagsSayOnTheGenerationsBases(_ g: KernelGeneration) throws {
        let wheel = try TimerWheel(kernel: try Self.kernel(g))
        let (major, minor) = Self.series(g)
        #expect(wheel.baseNames == ((major, minor) >= (6, 9) ? ["BASE_LOCAL", "BASE_GLOBAL", "BASE_DEF"] : ["BASE_STD", "BASE_DEF"]))
        let timers = try wheel.all()
        #expect(Set(timers.map(\.cpu)) == [0, 1], "\(g)")
        for t in timers {
            #expect(t.flagsCPU == t.cpu, "\(g): timer 0x\(String(t.timer, radix: 16))")
            #expect(t.flagsBucket == t.bucket, "\(g)")
            #expect(t.isDeferrable == (t.base == "BASE_DEF"), "\(g)")
        }
    }

    /// The sleepers /proc/timer_list showed are queued in the dump with the
    /// same CPU and expiries, to the ns.
    @Test(arguments: Fixtures.generations)
    func wakeupTimersOfTimerListAreQueuedWithTheSameExpiries(_ g: KernelGeneration) throws {
        let kernel = try Self.kernel(g)
        let hr = try HRTimers(kernel: kernel)
        let truth = try TimerListTruth(set: g.sysrq).entries.filter { $0.function == "hrtimer_wakeup" }
        #expect(truth.count >= 20, "\(g)")
        let dump = Set(try hr.all().map {
            TimerListTruth.Entry(cpu: $0.cpu, function: kernel.symbols.describe($0.function) ?? "", soft: $0.softExpires, hard: $0.expires)
        })
        for e in truth { #expect(dump.contains(e), "\(g): \(e) not in the dump") }
        #expect(hr.monotonicNow != nil, "\(g): no core timekeeper")
        #expect(try hr.all().allSatisfy { $0.state == 1 }, "\(g): a queued timer that is not enqueued")
    }
}
