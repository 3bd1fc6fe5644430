import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Swap areas against /proc/swaps (truth/swaps.csv) and VmSwap.
@Suite struct SwapDevicesTests {
    @Test(arguments: Fixtures.viewsSets) func swapAreaMatchesProcSwapsExactly(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let areas = try SwapDevices(kernel: kernel).all()
        let truth = try Fixtures.truthCSV(set, "swaps.csv")
        #expect(areas.count == truth.count)
        for (a, t) in zip(areas, truth) {
            #expect(a.path == t["filename"])
            #expect(a.type == t["type"])
            #expect(a.sizeKB == Int64(t["size_kb"]!)!)
            #expect(a.usedKB == Int64(t["used_kb"]!)!)
            #expect(a.priority == Int64(t["priority"]!)!)
        }
    }

    @Test(arguments: Fixtures.viewsSets) func vmSwapOfEveryProcessMatchesProcStatus(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let counters = try MMCounters(kernel: kernel)
        var checked = 0
        for r in try Fixtures.truthCSV(set, "vmswap.csv") where r["comm"] != "init" {
            guard let t = try tasks.lookup(pid: Int64(r["pid"]!)!).first else { continue }
            let mm = try tasks.mm(t)
            #expect(try counters.swapKB(mm: mm) == Int64(r["vmswap_kb"]!)!, "pid \(r["pid"]!) \(r["comm"]!)")
            checked += 1
        }
        #expect(checked > 10)
    }

    @Test(arguments: Fixtures.kernelDumps)
    func noSwapMeansEmptyAndZeroTotals(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let walker = try SwapDevices(kernel: kernel)
        let (total, free) = try walker.totals()
        let areas = try walker.all()
        #expect(total == areas.reduce(0) { $0 + $1.sizeKB / 4 })
        #expect(free <= total)
    }
}
