import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Backtraces on every configured kernel generation (Fixtures.generations),
/// from the dump alone: ORC entry layout and register numbering, return
/// addresses against drgn's (oracle/stacks.csv of generated sets) and
/// functions against the guest's /proc/PID/stack (truth/stacks.csv).
@Suite struct GenerationStackTests {
    static let kernelSpace: UInt64 = 0xffff_8000_0000_0000

    static func traces(_ g: KernelGeneration) throws -> StackTraces {
        try StackTraces(kernel: try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump)))
    }

    /// 7.x renumbered ORC_REG_* (orc_types.h); every earlier generation has the 4.14 numbering.
    @Test(arguments: Fixtures.generations)
    func orcRegisterNumberingIsTheGenerationsOwn(_ g: KernelGeneration) throws {
        let t = try Self.traces(g)
        #expect(t.tables.layout.numbering == (g.series.hasPrefix("7.") ? .renumbered : .classic))
        // Up to 6.2 `end`, from 6.3 `signal` (with renumbered types).
        #expect((t.tables.layout.signal != nil) == (g.series != "5.10" && g.series != "6.1"))
    }

    @Test(arguments: Fixtures.generations)
    func userTaskStacksMatchProcPidStack(_ g: KernelGeneration) throws {
        let traces = try Self.traces(g)
        let truth = try Fixtures.truthCSV(g.sysrq, "stacks.csv")
        let userPids = Set(try Fixtures.truthCSV(g.sysrq, "tasks.csv").filter { $0["is_kthread"] == "0" }.map { $0["pid"]! })
        var expected: [Int64: [String]] = [:]
        for r in truth where userPids.contains(r["pid"]!) {
            expected[Int64(r["pid"]!)!, default: []].append("\(r["function"]!)+\(r["offset"]!)")
        }
        // init (pid 1) was writing the truth then and sleeps in wait4 in the dump.
        expected[1] = nil
        #expect(expected.count >= 40, "\(g)")
        for (pid, frames) in expected {
            let task = try #require(try traces.tasks.lookup(pid: pid).first, "\(g) pid \(pid)")
            let trace = traces.trace(task: task)
            let mine = trace.frames.filter { !$0.inScheduler && $0.error == nil }
                .compactMap { f in f.function.map { "\($0)+0x\(String(f.offset ?? 0, radix: 16))" } }
            #expect(mine == frames, "\(g) pid \(pid)")
        }
    }

    /// drgn (DWARF CFI from the -dbg vmlinux) and kdsql (ORC from the dump)
    /// agree on every kernel return address of every task drgn lists (drgn
    /// skips the idle tasks; inlined frames share their caller's pc).
    @Test(arguments: Fixtures.generationsWithOracle)
    func returnAddressesEqualDrgns(_ g: KernelGeneration) throws {
        let traces = try Self.traces(g)
        var drgn: [String: [UInt64]] = [:]
        for r in try Fixtures.csv(try Fixtures.text(try Fixtures.path(g.sysrq, "oracle/stacks.csv"))) where r["inlined"] == "0" {
            let pc = try #require(UInt64(r["pc"]!.dropFirst(2), radix: 16))
            if pc >= Self.kernelSpace { drgn["\(r["pid"]!)/\(r["comm"]!)", default: []].append(pc) }
        }
        #expect(drgn.count >= 100, "\(g)")
        var compared = 0
        for task in try traces.tasks.all() {
            let key = "\(try traces.tasks.pid(task))/\(try traces.tasks.comm(task))"
            guard let want = drgn[key] else { continue }
            let trace = traces.trace(task: task)
            #expect(trace.frames.allSatisfy { $0.error == nil }, "\(g) \(key): \(trace.frames.compactMap(\.error))")
            let kernelPCs = trace.frames.map(\.pc).filter { $0 >= Self.kernelSpace }
            #expect(kernelPCs == want, "\(g) \(key)")
            compared += 1
        }
        #expect(compared == drgn.count, "\(g): tasks drgn lists but kdsql does not")
    }
}
