import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Address-space summaries against /proc/PID/status and /proc/PID/maps (truth).
@Suite struct MmSummaryTests {
    static func hex(_ s: String) -> UInt64 { UInt64(s.dropFirst(2), radix: 16)! }

    struct Fixture {
        let kernel: Kernel, tasks: Tasks, summary: MmSummary
        init(_ file: String = "vmcore-mdf-d31-zlib.kdump") throws {
            kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
            tasks = try Tasks(kernel: kernel)
            summary = try MmSummary(kernel: kernel)
        }
        func mm(_ pid: Int64) throws -> UInt64 {
            let task = try #require(try tasks.lookup(pid: pid).first, "pid \(pid)")
            return try tasks.mm(task)
        }
    }

    /// User processes of the snapshot except pid 1, which the README says changed.
    static func stableProcesses() throws -> [[String: String]] {
        try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "0" && $0["pid"] == $0["tgid"] && $0["pid"] != "1" }
    }

    @Test func sizesAndRSSSplitAddUpToProcStatus() throws {
        let f = try Fixture()
        let procs = try Self.stableProcesses()
        for r in procs {
            let mm = try f.mm(Int64(r["pid"]!)!)
            #expect(try f.summary.totalVMKB(mm) == Int64(r["vsz_kb"]!)!, "VmSize of \(r["pid"]!)")
            #expect(try f.summary.rssKB(mm) == Int64(r["rss_kb"]!)!, "VmRSS of \(r["pid"]!)")
            let split = try f.summary.rssFileKB(mm) + f.summary.rssAnonKB(mm) + f.summary.rssShmemKB(mm)
            #expect(split == Int64(r["rss_kb"]!)!)
        }
        #expect(procs.count == 89)
    }

    @Test func mapCountAndHeapAndStackAgreeWithProcMaps() throws {
        let f = try Fixture()
        let maps = Dictionary(grouping: try Fixtures.truthCSV(Fixtures.sysrq, "maps.csv"), by: { Int64($0["pid"]!)! })
        var checked = 0
        for (pid, rows) in maps where pid != 1 {
            let mm = try f.mm(pid)
            #expect(try f.summary.mapCount(mm) == Int64(rows.count), "map_count of \(pid)")
            let heap = try #require(rows.first { $0["path"] == "[heap]" })
            #expect(try f.summary.startBrk(mm) == Self.hex(heap["start"]!), "start_brk of \(pid)")
            #expect(try (f.summary.brk(mm) + 4095) & ~4095 == Self.hex(heap["end"]!), "brk of \(pid)")
            let stack = try #require(rows.first { $0["path"] == "[stack]" })
            let range = Self.hex(stack["start"]!)...Self.hex(stack["end"]!)
            #expect(range.contains(try f.summary.startStack(mm)), "start_stack of \(pid)")
            let argStart = try f.summary.argStart(mm), argEnd = try f.summary.argEnd(mm)
            #expect(range.contains(argStart) && range.contains(argEnd), "args of \(pid)")
            let text = try #require(rows.first { $0["perms"] == "r-xp" && $0["path"] != "[vdso]" })
            let startCode = try f.summary.startCode(mm), endCode = try f.summary.endCode(mm)
            #expect(startCode >= Self.hex(text["start"]!) && endCode <= Self.hex(text["end"]!), "code of \(pid)")
            checked += 1
        }
        #expect(checked == 89)
    }

    @Test func thePageTableRootTranslatesUserAddressesThatDumpLevel31Dropped() throws {
        let f = try Fixture()
        let stack = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "maps.csv").first { $0["pid"] != "1" && $0["path"] == "[stack]" })
        let mm = try f.mm(Int64(stack["pid"]!)!)
        let root = try f.summary.pgdPhysical(mm)
        // The page tables are kernel pages and survive -d 31; the stack page itself does not.
        let top = Self.hex(stack["end"]!) - 8
        let physical = try f.kernel.translator.translate(top, root: root)
        #expect(physical & 0xfff == top & 0xfff)
        #expect(throws: (any Error).self) { try f.kernel.readUser(top, count: 8, pgdPhysical: root) }
    }
}
