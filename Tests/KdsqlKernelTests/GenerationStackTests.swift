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
        for r in try Fixtures.csv(try Fixtures.text(try Fixtures.oracleStacks(g.sysrq))) where r["inlined"] == "0" {
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

/// The module Oops on every configured generation that has an oops set: the
/// crasher's trace crosses the page-fault pt_regs into kdsql_oops (the
/// module's own ORC tables, read from its `struct module`) and on to the
/// syscall, as the kernel's reliable Call Trace printed it.
@Suite struct GenerationOopsTests {
    static var generationsWithOops: [KernelGeneration] { Fixtures.generations.filter(\.hasOops) }

    static func crasher(_ g: KernelGeneration) throws -> (StackTraces, StackTrace) {
        let traces = try StackTraces(kernel: try Kernel.open(path: try Fixtures.path(g.oops, g.dump)))
        let crash = try Fixtures.truth(g.oops, "crash.txt")
        let pid = try #require(crash.split(whereSeparator: \.isNewline).first { $0.hasPrefix("panic_pid=") || $0.hasPrefix("crasher_pid=") }
            .flatMap { Int64($0.split(separator: "=")[1]) })
        let task = try #require(try traces.tasks.lookup(pid: pid).first)
        return (traces, traces.trace(task: task))
    }

    @Test(arguments: generationsWithOops)
    func crasherTraceCrossesTheModuleByItsOwnORC(_ g: KernelGeneration) throws {
        let (_, trace) = try Self.crasher(g)
        #expect(trace.frames.allSatisfy { $0.error == nil }, "\(g): \(trace.frames.compactMap(\.error))")
        let exception = try #require(trace.frames.firstIndex { $0.isExceptionFrame && $0.module == "kdsql_oops" }, "\(g)")
        let printed = try Fixtures.truthCSV(g.oops, "oops-call-trace.csv").filter { $0["reliable"] == "1" }
        let after = trace.frames[exception...]
        #expect(after.first?.function == "kdsql_oops_write")
        #expect(Array(after.dropFirst().map { $0.symbol ?? "?" }) ==
                printed.map { "\($0["function"]!)+\($0["offset"]!)/\($0["size"]!)" }, "\(g)")
        // The frame after the module's init is vmlinux again: reached through the module's ORC.
        #expect(after.dropFirst().first?.module == "kdsql_oops")
        #expect(after.dropFirst(2).first?.module == nil)
    }

    /// drgn (no module debug info) stops in the module; up to there its
    /// return addresses are kdsql's, and every other task's are equal.
    @Test(arguments: Fixtures.generationsWithOracle.filter(\.hasOops))
    func returnAddressesEqualDrgnsUpToTheModule(_ g: KernelGeneration) throws {
        let (traces, crasher) = try Self.crasher(g)
        var drgn: [String: [UInt64]] = [:]
        for r in try Fixtures.csv(try Fixtures.text(try Fixtures.oracleStacks(g.oops))) where r["inlined"] == "0" {
            let pc = try #require(UInt64(r["pc"]!.dropFirst(2), radix: 16))
            if pc >= GenerationStackTests.kernelSpace { drgn["\(r["pid"]!)/\(r["comm"]!)", default: []].append(pc) }
        }
        var compared = 0
        for task in try traces.tasks.all() {
            let key = "\(try traces.tasks.pid(task))/\(try traces.tasks.comm(task))"
            guard let want = drgn[key] else { continue }
            let frames = traces.trace(task: task).frames.filter { $0.pc >= GenerationStackTests.kernelSpace }
            let mine = frames.map(\.pc)
            if task == crasher.task {
                // drgn's frames are right up to the module's last one; after it drgn guesses.
                let n = try #require(frames.lastIndex { $0.module == "kdsql_oops" }, "\(g)") + 1
                #expect(Array(mine.prefix(n)) == Array(want.prefix(n)), "\(g) \(key)")
                #expect(mine.count > n, "\(g): kdsql stops in the module")
            } else {
                #expect(mine == want, "\(g) \(key)")
            }
            compared += 1
        }
        #expect(compared == drgn.count)
    }
}
