import KdsqlMemory
import KdsqlDebugInfo

/// One row of `stack_frames`: an unwound frame with its symbol.
public struct StackFrame: Sendable {
    /// 0 = innermost.
    public var frame: Int
    public var pc: UInt64
    public var sp: UInt64
    public var function: String?
    /// pc - function start (as the kernel's %pB prints it).
    public var offset: UInt64?
    public var size: UInt64?
    /// Owning module, nil for vmlinux.
    public var module: String?
    /// `name+0xoff/0xsize` like crash's `bt` and the kernel's Call Trace.
    public var symbol: String?
    public var method: UnwindMethod
    /// The frame's registers came from a pt_regs saved on the stack
    /// (interrupt or exception entry in kernel mode; crash's `bt -e`).
    public var isExceptionFrame: Bool
    /// Which stack sp is on: `task`, `irq`, `exception:NMI`...
    public var stack: String?
    public var registers: RegisterSet?
    /// Address of the pt_regs of an exception frame.
    public var regsAddress: UInt64?
    /// Why the trace ends here, on the marked last frame of an unfinished trace.
    public var error: String?
    /// pc is in the scheduler's or the locking code's text (`__sched` and
    /// `__lockfunc` sections): the frames /proc/PID/stack leaves out
    /// (in_sched_functions(), kernel/sched/core.c).
    public var inScheduler: Bool = false
    /// The address the function was looked up at: pc, or pc - 1 for a return address.
    public var lookupPC: UInt64?
    /// With DWARF: this frame is a function inlined into the next one, at the same pc.
    public var inlined: Bool = false
    /// With DWARF: the source file and line of pc in this frame's function (crash's `bt -l`).
    public var file: String?
    public var line: Int?
}

/// The backtrace of one task.
public struct StackTrace: Sendable {
    public var task: UInt64
    /// The CPU the task was running on, nil for a sleeping task.
    public var cpu: Int?
    public var frames: [StackFrame]
    /// Function names, innermost first (NULL frames skipped).
    public var functions: [String] { frames.compactMap(\.function) }
}

/// Backtraces for every task: chooses the starting registers (the CPU's note
/// for a running task, the context-switch frame for a sleeping one), runs the
/// ORC unwinder and symbolizes each frame (vmlinux kallsyms, or the module's
/// own symbol table for module text).
public final class StackTraces {
    public let kernel: Kernel
    public let tasks: Tasks
    public let stacks: KernelStacks
    public let modules: ModuleSymbols?
    public let tables: OrcUnwindTables
    public let unwinder: any StackUnwinder
    public let cpuRegisters: CPURegisters
    /// task address → CPU, for the task each CPU was running (rq->curr).
    public let activeCPU: [UInt64: Int]
    let threadSP: FieldRef
    let frameSize: Int
    let inactiveFrame: [(name: String, field: FieldRef)]
    let retAddr: FieldRef
    let retFromFork: UInt64?
    /// [__sched_text_start, __sched_text_end) and [__lock_text_start, __lock_text_end).
    let schedulerText: [(UInt64, UInt64)]
    /// Inlined functions and source lines, when a debug vmlinux or module
    /// debug files were given.
    public let sourceLocations: SourceLocations

    /// `moduleDebug`: the modules' debug files; nil: found here when
    /// --modules-dir was given (KernelSession shares its own).
    public init(kernel: Kernel, tasks: Tasks? = nil, moduleDebug: ModuleDebugInfo? = nil) throws {
        self.kernel = kernel
        let tasks = try tasks ?? Tasks(kernel: kernel)
        self.tasks = tasks
        stacks = try KernelStacks(kernel: kernel)
        modules = try? ModuleSymbols(kernel: kernel)
        tables = try OrcUnwindTables(kernel: kernel, modules: modules)
        unwinder = try OrcUnwinder(kernel: kernel, tables: tables)
        var active: [UInt64: Int] = [:]
        for (cpu, task) in try tasks.activeTasks() where task != 0 { active[task] = cpu }
        activeCPU = active
        let stacks = self.stacks
        let runningOn = Dictionary(active.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        cpuRegisters = CPURegisters(notes: kernel.dump.notes, cpus: (try? kernel.presentCPUs()) ?? Array(0..<max(1, runningOn.count))) { cpu in
            var s = stacks.cpuStacks(cpu)
            if let t = runningOn[cpu], let own = try? stacks.taskStack(t) { s.append(own) }
            return s
        }
        // task->thread.sp points at struct inactive_task_frame
        // (arch/x86/include/asm/switch_to.h): r15 r14 r13 r12 bx bp ret_addr.
        threadSP = try kernel.field("struct task_struct", "thread.sp")
        frameSize = try kernel.size(of: "struct inactive_task_frame")
        inactiveFrame = try [("r15", "r15"), ("r14", "r14"), ("r13", "r13"), ("r12", "r12"), ("bx", "rbx"), ("bp", "rbp")]
            .map { (name: $0.1, field: try kernel.field("struct inactive_task_frame", $0.0)) }
        retAddr = try kernel.field("struct inactive_task_frame", "ret_addr")
        retFromFork = kernel.symbols.address(of: "ret_from_fork")
        var debug = moduleDebug
        if debug == nil, kernel.modulesDirectory != nil {
            debug = try ModuleDebugInfo(kernel: kernel, modules: self.modules?.modules ?? [])
        }
        sourceLocations = SourceLocations(kernel: kernel, modules: self.modules, moduleDebug: debug)
        schedulerText = [("__sched_text_start", "__sched_text_end"), ("__lock_text_start", "__lock_text_end")].compactMap { a, b in
            guard let lo = kernel.symbols.address(of: a), let hi = kernel.symbols.address(of: b), hi > lo else { return nil }
            return (lo, hi)
        }
    }

    /// Number of tasks unwound so far (push-down tests read it).
    public private(set) var tasksUnwound = 0

    /// The backtrace of a task.
    public func trace(task: UInt64) -> StackTrace {
        tasksUnwound += 1
        let cpu = activeCPU[task]
        let taskStacks: [StackRange]
        do {
            taskStacks = try stacks.stacks(task: task, runningOn: cpu)
        } catch {
            return StackTrace(task: task, cpu: cpu, frames: [errorFrame(0, "cannot locate the task's stack: \(error)")])
        }
        let start: UnwindStart
        do {
            start = try startingPoint(task: task, cpu: cpu)
        } catch {
            return StackTrace(task: task, cpu: cpu, frames: [errorFrame(0, "\(error)")])
        }
        var frames = unwinder.unwind(from: start, stacks: taskStacks)
        // A sleeping task's frame 0 registers: what it saved at context switch.
        if cpu == nil, let saved = try? savedContext(task: task) {
            frames[0].registers = saved.registers
            frames[0].regsAddress = saved.frame
        }
        return StackTrace(task: task, cpu: cpu, frames: symbolize(frames))
    }

    /// Register rows of a trace (the `registers` table): frame 0 from the CPU
    /// note or the context-switch frame, then every exception frame's pt_regs.
    public func registerRows(_ trace: StackTrace) -> [(frame: Int, name: String, value: UInt64)] {
        trace.frames.flatMap { f in (f.registers?.values ?? []).map { (f.frame, $0.name, $0.value) } }
    }

    /// Unwinds from an arbitrary pc/sp/bp over the given stacks (tests, `bt` from an address).
    public func trace(from start: UnwindStart, stacks: [StackRange]) -> [StackFrame] {
        symbolize(unwinder.unwind(from: start, stacks: stacks))
    }

    /// Where a task's unwinding starts. A running task: its CPU's registers.
    /// A sleeping one: __unwind_start() in unwind_orc.c — sp just above the
    /// inactive_task_frame, bp and ip (ret_addr) from it; a task that never
    /// ran returns into ret_from_fork, whose rule is looked up at ip itself.
    public func startingPoint(task: UInt64, cpu: Int?) throws -> UnwindStart {
        if let cpu {
            guard let regs = cpuRegisters.registers(cpu: cpu), let ip = regs.ip, let sp = regs.sp else {
                throw MemoryError.missing("the task is running on CPU \(cpu) but the dump has no register note (NT_PRSTATUS) for that CPU; its saved context is stale")
            }
            return UnwindStart(pc: ip, sp: sp, bp: regs.bp ?? 0, method: .registers, registers: regs, signal: true)
        }
        let (frame, regs) = try savedContext(task: task)
        let ip = regs.ip ?? 0
        return UnwindStart(pc: ip, sp: regs.sp ?? frame &+ UInt64(frameSize), bp: regs.bp ?? 0, method: .savedContext,
                           registers: nil, signal: ip == retFromFork)
    }

    /// The callee-saved registers a sleeping task left at context switch, with
    /// rip = ret_addr (the `registers` rows of frame 0).
    ///
    /// rsp is the stack pointer of frame 0 itself, where execution resumes in
    /// the scheduler: `__switch_to_asm` (arch/x86/entry/entry_64.S) pushes
    /// rbp, rbx, r12-r15 below the return address of the `call` that entered
    /// it and stores the resulting rsp in `thread.sp`; so `thread.sp` points
    /// at `struct inactive_task_frame` (whose last member is that return
    /// address, ret_addr) and after the pops and the `ret` at rip = ret_addr
    /// the stack pointer is `thread.sp + sizeof(struct inactive_task_frame)`.
    /// That is frame 0's `stack_frames.sp` and what drgn gives as frame 0's
    /// rsp (libdrgn/arch_x86_64.c, linux_kernel_get_initial_registers); the
    /// raw `thread.sp` is the frame's `regs_address`.
    public func savedContext(task: UInt64) throws -> (frame: UInt64, registers: RegisterSet) {
        let frame = try kernel.readPointer(task, threadSP)
        guard frame != 0 else { throw MemoryError.nullPointer(what: "task_struct.thread.sp") }
        var values: [(String, UInt64)] = []
        for (name, f) in inactiveFrame { values.append((name, try kernel.readUnsigned(frame, f))) }
        values.append(("rip", try kernel.readUnsigned(frame, retAddr)))
        values.append(("rsp", frame &+ UInt64(frameSize)))
        return (frame, RegisterSet(values))
    }

    func errorFrame(_ i: Int, _ reason: String) -> StackFrame {
        StackFrame(frame: i, pc: 0, sp: 0, method: .given, isExceptionFrame: false, error: reason)
    }

    /// Names each frame. Return addresses are looked up at pc - 1 (a call to a
    /// noreturn function can be the last instruction of its function); the
    /// printed offset is still pc - start, as %pB prints it.
    public func symbolize(_ frames: [UnwoundFrame]) -> [StackFrame] {
        withInlinedFrames(frames.enumerated().map { i, f in
            var out = StackFrame(frame: i, pc: f.pc, sp: f.sp, method: f.method, isExceptionFrame: f.method == .ptRegs,
                                 stack: f.stack?.name, registers: f.registers, regsAddress: f.regsAddress, error: f.error)
            guard f.error == nil else { return out }
            let at = f.signal ? f.pc : f.pc &- 1
            out.lookupPC = at
            out.inScheduler = schedulerText.contains { at >= $0.0 && at < $0.1 }
            if let m = modules?.symbolize(at) {
                out.function = m.name
                out.offset = f.pc &- (at &- m.offset)
                out.size = m.size
                out.module = m.module
            } else if let s = kernel.symbols.symbolize(at) {
                out.function = s.symbol.name
                out.offset = f.pc &- s.symbol.address
                out.size = s.size
                out.module = s.symbol.module
            }
            if let name = out.function, let off = out.offset {
                out.symbol = "\(name)+0x\(String(off, radix: 16))" + (out.size.map { "/0x\(String($0, radix: 16))" } ?? "")
            }
            return out
        })
    }
}
