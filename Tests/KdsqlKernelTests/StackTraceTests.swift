import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Backtraces against what the guest itself printed and reported: the panic's
/// `Call Trace:` (truth/console-panic.txt), /proc/PID/stack of every task
/// (truth/stacks.csv) and QEMU's `info registers -a` (truth/cpu-registers.txt).
@Suite struct StackTraceTests {
    static func open(_ set: String = Fixtures.sysrq, _ file: String = "vmcore-mdf-d31-zlib.kdump") throws -> StackTraces {
        try StackTraces(kernel: try Kernel.open(path: try Fixtures.path(set, file)))
    }

    /// Reliable entries of the console's Call Trace (lines without `? `), as
    /// (function, `name+0xoff/0xsize`), module suffixes ` [mod]` dropped.
    static func consoleCallTrace(_ set: String) throws -> [(function: String, symbol: String)] {
        var out: [(String, String)] = []
        var inTrace = false
        for line in try Fixtures.truth(set, "console-panic.txt").split(separator: "\n") {
            var text = Substring(line)
            if let close = text.firstIndex(of: "]") { text = text[text.index(after: close)...] }
            let item = text.trimmingCharacters(in: " ")
            if item == "Call Trace:" { inTrace = true; continue }
            guard inTrace else { continue }
            if item == "</TASK>" { break }
            if item.hasPrefix("<") || item.hasPrefix("?") || item.hasPrefix("RIP:") || item.hasPrefix("Code:") || item.hasPrefix("R") { continue }
            let symbol = String(item.split(separator: " ")[0])
            out.append((String(symbol.split(separator: "+")[0]), symbol))
        }
        return out
    }

    /// /proc/PID/stack leaves out scheduler and lock functions
    /// (stack_trace_consume_entry_nosched, in_sched_functions()).
    static func isSchedOrLock(_ f: StackFrame, _ k: Kernel) -> Bool { f.inScheduler }

    static func panicTask(_ traces: StackTraces, pid: Int64) throws -> StackTrace {
        let task = try #require(try traces.tasks.lookup(pid: pid).first)
        return traces.trace(task: task)
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func panickingTaskFramesMatchTheConsoleCallTraceFromPanicOn(file: String) throws {
        let traces = try Self.open(Fixtures.sysrq, file)
        let facts = try PanicFacts(Fixtures.sysrq)
        let pid = try facts.panicPid()
        let trace = try Self.panicTask(traces, pid: pid)
        let console = try Self.consoleCallTrace(Fixtures.sysrq)
        #expect(trace.frames.allSatisfy { $0.error == nil }, "\(trace.frames.compactMap(\.error))")
        // QEMU stopped the panicking CPU in panic()'s final loop, below panic's frame:
        // everything from panic() outward is the same stack the kernel printed.
        let mine = Array(trace.functions.drop { $0 != "panic" })
        let printed = console.map(\.function).drop { $0 != "panic" }
        #expect(mine == Array(printed))
        // Below panic, return addresses are exact: same offsets and sizes as printed.
        let mySymbols = trace.frames.compactMap(\.symbol).drop { !$0.hasPrefix("panic+") }.dropFirst()
        #expect(Array(mySymbols) == console.map(\.symbol).drop { !$0.hasPrefix("panic+") }.dropFirst().map { $0 })
        #expect(mine.count >= 5, "\(trace.functions)")
        #expect(trace.cpu == (try facts.panicCPU()))
        #expect(trace.frames.first?.method == .registers)
    }

    @Test func everyUserTaskStackMatchesProcPidStack() throws {
        let traces = try Self.open()
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "stacks.csv")
        let userPids = Set(try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "0" }.map { $0["pid"]! })
        var expected: [Int64: [String]] = [:]
        for r in truth where userPids.contains(r["pid"]!) {
            expected[Int64(r["pid"]!)!, default: []].append("\(r["function"]!)+\(r["offset"]!)")
        }
        // The README: init (pid 1) was writing the truth then and sleeps in wait4 in the dump.
        expected[1] = nil
        #expect(expected.count == userPids.count - 1)
        for (pid, frames) in expected {
            let trace = try Self.panicTask(traces, pid: pid)
            let mine = trace.frames.filter { !Self.isSchedOrLock($0, traces.kernel) && $0.error == nil }
                .compactMap { f in f.function.map { "\($0)+0x\(String(f.offset ?? 0, radix: 16))" } }
            #expect(mine == frames, "pid \(pid)")
        }
    }

    @Test func kernelThreadStacksMatchProcPidStackLoosely() throws {
        let traces = try Self.open()
        let tasks = traces.tasks
        let kthreads = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv").filter { $0["is_kthread"] == "1" }
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "stacks.csv")
        var matching = 0
        for k in kthreads {
            let pid = Int64(k["pid"]!)!
            guard let task = try tasks.lookup(pid: pid).first, try tasks.comm(task) == k["comm"]! else { continue }
            let expected = truth.filter { $0["pid"] == k["pid"] }.map { "\($0["function"]!)+\($0["offset"]!)" }
            let mine = traces.trace(task: task).frames.filter { !Self.isSchedOrLock($0, traces.kernel) && $0.error == nil }
                .compactMap { f in f.function.map { "\($0)+0x\(String(f.offset ?? 0, radix: 16))" } }
            if mine == expected { matching += 1 }
        }
        // kworkers can sleep elsewhere by the time of the panic (README caveat).
        #expect(matching >= kthreads.count - 5, "\(matching) of \(kthreads.count)")
    }

    @Test func sleepingBashAndSleepTasksWaitWhereTheyShould() throws {
        let traces = try Self.open()
        var bash = 0, sleep = 0
        for t in try traces.tasks.all() where traces.activeCPU[t] == nil {
            let f = traces.trace(task: t).functions
            switch try traces.tasks.comm(t) {
            case "bash": bash += 1; #expect(f.contains("do_wait") && f.contains("schedule"), "\(f)")
            case "sleep": sleep += 1; #expect(f.contains("hrtimer_nanosleep") && f.contains("do_nanosleep"), "\(f)")
            default: break
            }
        }
        // The crasher bash is on a CPU (activeCPU), so the sleeping ones are the snapshot's.
        let truth = try TaskTruth(set: Fixtures.sysrq)
        #expect(bash == truth.count(comm: "bash") && bash > 0)
        #expect(sleep == truth.count(comm: "sleep") && sleep > 0)
    }

    @Test func idleTasksShowTheIdleLoop() throws {
        let traces = try Self.open()
        for (cpu, idle) in try traces.tasks.idleTasks() {
            let trace = traces.trace(task: idle)
            #expect(trace.functions.contains("do_idle"), "cpu \(cpu): \(trace.functions)")
            #expect(trace.frames.allSatisfy { $0.error == nil }, "cpu \(cpu): \(trace.frames.compactMap(\.error))")
        }
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func cpuNotesHoldQEMUsRegistersInCPUOrder(file: String) throws {
        let traces = try Self.open(Fixtures.sysrq, file)
        var cpu = -1
        var seen = 0
        // The file has CRLF line ends (a "\r\n" is one Character in Swift).
        for line in try Fixtures.truth(Fixtures.sysrq, "cpu-registers.txt").split(whereSeparator: \.isNewline) {
            if line.hasPrefix("CPU#") { cpu = Int(line.dropFirst(4))!; continue }
            for pair in line.split(separator: " ") where pair.contains("=") {
                let kv = pair.split(separator: "=")
                guard kv.count == 2, let value = UInt64(kv[1], radix: 16) else { continue }
                let name = ["RIP": "rip", "RSP": "rsp", "RBP": "rbp", "RAX": "rax", "R11": "r11"][String(kv[0])]
                guard let name else { continue }
                let regs = try #require(traces.cpuRegisters.registers(cpu: cpu))
                #expect(regs[name] == value, "CPU \(cpu) \(name)")
                seen += 1
            }
        }
        #expect(seen == 10)
        #expect(traces.cpuRegisters.entries.allSatisfy { $0.matchedBy == "stack" })
    }

    @Test func activeIdleCPUCrossesFromTheIRQStackToItsTaskStack() throws {
        let traces = try Self.open()
        // The CPU that did not panic was idle and got the stop IPI: which one that is differs per run.
        let cpu = try #require(try PanicFacts(Fixtures.sysrq).otherCPUs().first)
        let idle = try #require(try traces.tasks.idleTasks().first { $0.cpu == cpu }?.task)
        #expect(traces.activeCPU[idle] == cpu)
        let trace = traces.trace(task: idle)
        #expect(trace.cpu == cpu)
        let stacksSeen = trace.frames.compactMap(\.stack)
        #expect(stacksSeen.first == "irq")
        #expect(stacksSeen.last == "task")
        // The IPI interrupted the idle loop: a pt_regs frame on the way.
        #expect(trace.frames.contains { $0.isExceptionFrame })
    }

    @Test func aCorruptSavedStackPointerEndsWithAMarkedFrame() throws {
        let traces = try Self.open()
        let task = try #require(try traces.tasks.lookup(pid: try PanicFacts(Fixtures.sysrq).sleepingUserPid()).first)
        let start = try traces.startingPoint(task: task, cpu: nil)
        let own = try traces.stacks.stacks(task: task, runningOn: nil)
        // sp outside every stack of the task.
        let outside = traces.trace(from: UnwindStart(pc: start.pc, sp: 0xdead_0000_0000_0000, bp: 0), stacks: own)
        #expect(outside.last?.function == nil)
        #expect(outside.last?.error?.contains("not on any stack") == true)
        // sp shifted inside the stack: every misaligned start still terminates, marked or at a real end.
        for shift in stride(from: 8, through: 512, by: 8) {
            let frames = traces.trace(from: UnwindStart(pc: start.pc, sp: start.sp &+ UInt64(shift), bp: start.bp, signal: false), stacks: own)
            #expect(frames.count <= traces.unwinder.maxFrames + 1)
            #expect(frames.dropLast().allSatisfy { $0.error == nil })
        }
        // A return address pointing at garbage code: the next step is refused.
        let garbage = traces.trace(from: UnwindStart(pc: 0x4141_4141_4141_4141, sp: start.sp, bp: start.bp), stacks: own)
        #expect(garbage.count == 2)
        #expect(garbage.last?.error?.contains("not kernel text") == true)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

/// Register sets per frame and the frame-pointer fallback's refusals.
@Suite struct RegisterRowsTests {
    /// Both document frame 0's stack pointer; they differed by
    /// sizeof(struct inactive_task_frame) (0x38) for every sleeping task.
    @Test func sleepingTasksFrameZeroRspAgreesWithItsStackFrameSp() throws {
        let traces = try StackTraceTests.open()
        for pid in [1, try PanicFacts(Fixtures.sysrq).sleepingUserPid()] {
            let task = try #require(try traces.tasks.lookup(pid: pid).first)
            let trace = traces.trace(task: task)
            let rsp = traces.registerRows(trace).first { $0.frame == 0 && $0.name == "rsp" }?.value
            #expect(rsp != nil && rsp == trace.frames.first?.sp, "pid \(pid)")
        }
    }

    @Test func sleepingTaskFrameZeroRegistersAreItsContextSwitchFrame() throws {
        let traces = try StackTraceTests.open()
        let task = try #require(try traces.tasks.lookup(pid: try PanicFacts(Fixtures.sysrq).sleepingUserPid()).first)
        let rows = traces.registerRows(traces.trace(task: task))
        let saved = try traces.savedContext(task: task)
        #expect(rows.filter { $0.frame == 0 }.map(\.name) == ["r15", "r14", "r13", "r12", "rbx", "rbp", "rip", "rsp"])
        // rsp is frame 0's: just above the inactive_task_frame at thread.sp.
        #expect(rows.first { $0.name == "rsp" }?.value == saved.frame + UInt64(try traces.kernel.size(of: "struct inactive_task_frame")))
        // rip is where it will resume: inside the scheduler.
        let rip = try #require(rows.first { $0.name == "rip" }?.value)
        let lo = try traces.kernel.address(of: "__sched_text_start"), hi = try traces.kernel.address(of: "__sched_text_end")
        #expect(rip >= lo && rip < hi)
    }

    @Test func runningTaskFrameZeroRegistersAreItsCPUNote() throws {
        let traces = try StackTraceTests.open()
        let facts = try PanicFacts(Fixtures.sysrq)
        let task = try #require(try traces.tasks.lookup(pid: try facts.panicPid()).first)
        let rows = traces.registerRows(traces.trace(task: task)).filter { $0.frame == 0 }
        #expect(rows.count == CPURegisters.names.count)
        let note = try #require(traces.cpuRegisters.registers(cpu: try facts.panicCPU())?.ip)
        #expect(rows.first { $0.name == "rip" }?.value == note)
    }

    @Test func aCPUInUserModeHasOnlyItsUserFrame() throws {
        let traces = try StackTraceTests.open()
        let task = try #require(try traces.tasks.lookup(pid: try PanicFacts(Fixtures.sysrq).sleepingUserPid()).first)
        // cs with RPL 3: the CPU was executing user code.
        let regs = RegisterSet([("rip", 0x7f00_0000_1000), ("rsp", 0x7ffd_0000_0000), ("rbp", 0), ("cs", 0x33)])
        let frames = traces.trace(from: UnwindStart(pc: 0x7f00_0000_1000, sp: 0x7ffd_0000_0000, bp: 0, method: .registers, registers: regs),
                                  stacks: try traces.stacks.stacks(task: task, runningOn: nil))
        #expect(frames.count == 1)
        #expect(frames[0].error == nil && frames[0].function == nil)
    }

    @Test func framePointerStepRefusesABasePointerOffTheStackOrBelowSP() throws {
        let traces = try StackTraceTests.open()
        let task = try #require(try traces.tasks.lookup(pid: try PanicFacts(Fixtures.sysrq).sleepingUserPid()).first)
        let stack = try traces.stacks.taskStack(task)
        let isText = traces.tables.isKernelText
        let mid = stack.low + 0x2000
        #expect(FramePointerUnwinder.step(ip: 0, sp: mid, bp: 0xdead_0000_0000_0000, kernel: traces.kernel, stacks: [stack], isText: isText) == nil)
        #expect(FramePointerUnwinder.step(ip: 0, sp: mid, bp: mid - 64, kernel: traces.kernel, stacks: [stack], isText: isText) == nil)
        #expect(FramePointerUnwinder.step(ip: 0, sp: mid, bp: mid + 3, kernel: traces.kernel, stacks: [stack], isText: isText) == nil)
    }
}
