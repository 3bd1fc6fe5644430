import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// /proc/meminfo computed from the dump against what the guest printed
/// 4-14 s before the crash (truth/meminfo.txt).
@Suite struct MemInfoTests {
    static func truth(_ set: String) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for line in try Fixtures.viewsLines(set, "meminfo.txt") {
            let parts = line.split(separator: ":", maxSplits: 1)
            let value = parts[1].split(separator: " ")[0]
            out[String(parts[0])] = Int64(value)!
        }
        return out
    }
    static func lines(_ dump: String) throws -> [String: Int64] {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        return Dictionary(try MemInfo(kernel: kernel).lines().map { ($0.name, $0.kb) }, uniquingKeysWith: { a, _ in a })
    }

    @Test(arguments: Fixtures.viewsSets) func linesAreTheOnesTheKernelPrints(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let names = try MemInfo(kernel: kernel).lines().map(\.name)
        let truth = try Fixtures.viewsLines(set, "meminfo.txt").map { String($0.split(separator: ":")[0]) }
        #expect(names == truth)
    }

    /// Sizes fixed at boot or by the workload's static objects are exact.
    @Test(arguments: Fixtures.viewsSets, ["MemTotal", "SwapTotal", "VmallocTotal", "CommitLimit", "HugePages_Total", "Hugepagesize",
                      "DirectMap4k", "DirectMap2M", "Percpu"])
    func staticLineIsExact(set: String, name: String) throws {
        let got = try Self.lines(try Fixtures.viewsEntry(set)), truth = try Self.truth(set)
        #expect(got[name] == truth[name], "\(name)")
    }

    /// Counters that move with the guest's activity between capture and crash
    /// (README caveats): within 10 % or 2 MiB of the captured value.
    @Test(arguments: Fixtures.viewsSets, ["MemFree", "MemAvailable", "Cached", "SwapFree", "Active", "Inactive", "Active(anon)",
                      "Inactive(anon)", "AnonPages", "Mapped", "Shmem", "SUnreclaim",
                      "KernelStack", "PageTables", "Committed_AS", "VmallocUsed", "SwapCached", "Buffers"])
    func movingLineIsCloseToTheCapture(set: String, name: String) throws {
        let got = try #require(try Self.lines(try Fixtures.viewsEntry(set))[name], "\(name) missing")
        let want = try #require(try Self.truth(set)[name])
        #expect(abs(got - want) <= max(want / 10, 2048), "\(name): dump \(got) kB, truth \(want) kB")
    }

    /// Reclaimable slab grew by the proc inodes and dentries the capture
    /// made after printing /proc/meminfo (see SlabCachesTests.churned):
    /// at least the captured value, at most 30 % or 4 MiB more (the growth
    /// is per task read, so a kernel with less reclaimable slab, like 7.3's
    /// 2.5 MiB, grows by a larger share: 2.5 MiB there).
    @Test(arguments: Fixtures.viewsSets, ["Slab", "SReclaimable", "KReclaimable"])
    func reclaimableSlabGrewSinceTheCapture(set: String, name: String) throws {
        let got = try #require(try Self.lines(try Fixtures.viewsEntry(set))[name]), want = try #require(try Self.truth(set)[name])
        #expect(got >= want && got <= want + max(want * 3 / 10, 4096), "\(name): dump \(got) kB, truth \(want) kB")
    }

    @Test(arguments: Fixtures.kernelDumps)
    func invariantsHoldOnEveryKernel(dump: String) throws {
        let l = try Self.lines(dump)
        let total = try #require(l["MemTotal"]), free = try #require(l["MemFree"])
        #expect(total > 100_000 && free > 0 && free < total)
        #expect(l["Active"] == l["Active(anon)"]! + l["Active(file)"]!)
        #expect(l["Slab"] == l["SReclaimable"]! + l["SUnreclaim"]!)
        #expect(l["SwapFree"]! <= l["SwapTotal"]!)
    }
}
