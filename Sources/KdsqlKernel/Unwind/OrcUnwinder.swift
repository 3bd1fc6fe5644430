import KdsqlMemory

/// How a frame's pc and sp were found (the `method` column).
public enum UnwindMethod: String, Sendable {
    /// From a CPU's register note in the dump (NT_PRSTATUS).
    case registers
    /// From the frame a sleeping task left at context switch (task->thread.sp).
    case savedContext = "saved_context"
    /// An ORC call-frame rule.
    case orc
    /// A `struct pt_regs` on the stack (interrupt, exception or syscall entry),
    /// found by an ORC REGS / REGS_PARTIAL rule.
    case ptRegs = "pt_regs"
    /// The saved-RBP chain, where no ORC rule covered the pc.
    case framePointer = "frame_pointer"
    /// Where an arbitrary pc/sp was given to the unwinder.
    case given
}

/// Where to start unwinding.
public struct UnwindStart: Sendable {
    public var pc: UInt64
    public var sp: UInt64
    public var bp: UInt64
    public var method: UnwindMethod
    /// The full register set when known (a CPU note): R10/R13/DI/DX-based rules need it.
    public var registers: RegisterSet?
    /// True when pc is the interrupted instruction rather than a return address
    /// (unwind_state.signal: look up pc itself, not pc - 1).
    public var signal: Bool

    public init(pc: UInt64, sp: UInt64, bp: UInt64, method: UnwindMethod = .given, registers: RegisterSet? = nil, signal: Bool = true) {
        self.pc = pc
        self.sp = sp
        self.bp = bp
        self.method = method
        self.registers = registers
        self.signal = signal
    }
}

/// One unwound frame, before symbolization.
public struct UnwoundFrame: Sendable {
    public var pc: UInt64
    public var sp: UInt64
    public var bp: UInt64
    public var method: UnwindMethod
    public var stack: StackRange?
    /// Address of the pt_regs this frame was restored from (exception frames).
    public var regsAddress: UInt64?
    /// Registers known at this frame: the CPU note (frame 0) or the pt_regs.
    public var registers: RegisterSet?
    /// pc is the interrupted instruction (frame 0, pt_regs frames), not a
    /// return address; return addresses are symbolized at pc - 1.
    public var signal: Bool
    /// Set on the marked last frame of a trace that could not be finished.
    public var error: String?
}

/// Thrown inside a step; becomes the `error` of the trace's marked last frame.
struct UnwindFailure: Error { var reason: String }

@inline(__always) func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// The kernel's own x86_64 unwinder (arch/x86/kernel/unwind_orc.c,
/// unwind_next_frame()), reading the ORC tables and stacks from the dump.
/// Bounded: every stack read must fall inside one of the given stacks, sp
/// must move up within a stack, a stack once left is never re-entered, and at
/// most `maxFrames` frames are produced. Where ORC has no rule the step falls
/// back to the frame-pointer chain (FramePointerUnwinder).
public struct OrcUnwinder: StackUnwinder {
    public let kernel: Kernel
    public let tables: OrcUnwindTables
    public let ptRegs: PtRegsLayout
    public var maxFrames = 192

    public init(kernel: Kernel, tables: OrcUnwindTables) throws {
        self.kernel = kernel
        self.tables = tables
        self.ptRegs = try PtRegsLayout(kernel: kernel)
    }

    struct State {
        var ip: UInt64, sp: UInt64, bp: UInt64
        var regs: RegisterSet?
        /// The last full pt_regs when `regs` is only an iret frame (prev_regs).
        var prevRegs: RegisterSet?
        var regsAddress: UInt64?
        var fullRegs: Bool
        var signal: Bool
        var stackIndex: Int?
    }

    /// Unwinds from `start`, reading only inside `stacks`.
    public func unwind(from start: UnwindStart, stacks: [StackRange]) -> [UnwoundFrame] {
        func stackIndex(_ a: UInt64) -> Int? { stacks.firstIndex { $0.contains(a) } }
        var state = State(ip: start.pc, sp: start.sp, bp: start.bp, regs: start.registers, prevRegs: nil, regsAddress: nil,
                          fullRegs: start.registers != nil, signal: start.signal, stackIndex: stackIndex(start.sp))
        var frames = [UnwoundFrame(pc: start.pc, sp: start.sp, bp: start.bp, method: start.method,
                                   stack: state.stackIndex.map { stacks[$0] }, regsAddress: nil,
                                   registers: start.registers, signal: start.signal, error: nil)]
        // A CPU that was in user mode: its kernel stack holds no frames.
        if start.registers?.isUserMode == true { return frames }
        guard state.stackIndex != nil else {
            frames.append(marked(state, .given, "sp \(hex(start.sp)) is not on any stack of this task (\(stacks.map(\.description).joined(separator: ", "))); the saved stack pointer is corrupt"))
            return frames
        }
        var left = Set<Int>()
        while true {
            if state.regs?.isUserMode == true { return frames }  // end of the kernel stack of a user task
            guard frames.count < maxFrames else {
                frames.append(marked(state, .orc, "stopped after \(maxFrames) frames (runaway or looping stack)"))
                return frames
            }
            let prev = state
            do {
                guard let method = try step(&state, stacks: stacks) else { return frames }
                if state.regs?.isUserMode == true && method == .ptRegs { return frames }
                guard let idx = stackIndex(state.sp) else {
                    throw UnwindFailure(reason: "sp \(hex(state.sp)) left the known stacks (after pc \(hex(prev.ip)))")
                }
                if idx == prev.stackIndex {
                    guard state.sp > prev.sp else {
                        throw UnwindFailure(reason: "stack going in the wrong direction at pc \(hex(prev.ip)): sp \(hex(prev.sp)) -> \(hex(state.sp))")
                    }
                } else {
                    if let p = prev.stackIndex { left.insert(p) }
                    guard !left.contains(idx) else {
                        throw UnwindFailure(reason: "unwinding returned to the \(stacks[idx].name) stack it had already left (loop)")
                    }
                }
                state.stackIndex = idx
                guard tables.isKernelText(state.ip) else {
                    throw UnwindFailure(reason: "return address \(hex(state.ip)) found at sp \(hex(state.sp)) is not kernel text")
                }
                frames.append(UnwoundFrame(pc: state.ip, sp: state.sp, bp: state.bp, method: method, stack: stacks[idx],
                                           regsAddress: method == .ptRegs ? state.regsAddress : nil,
                                           registers: method == .ptRegs ? state.regs : nil,
                                           signal: state.signal, error: nil))
            } catch let failure as UnwindFailure {
                frames.append(marked(state, .orc, failure.reason))
                return frames
            } catch {
                frames.append(marked(state, .orc, "\(error)"))
                return frames
            }
        }
    }

    func marked(_ s: State, _ method: UnwindMethod, _ reason: String) -> UnwoundFrame {
        UnwoundFrame(pc: s.ip, sp: s.sp, bp: s.bp, method: method, stack: nil, regsAddress: nil, registers: nil,
                     signal: false, error: reason)
    }

    /// get_reg(): a register from the full pt_regs of this frame, or from the
    /// previous full pt_regs when this frame has only an iret frame.
    func savedRegister(_ state: State, _ name: String) -> UInt64? {
        if state.fullRegs { return state.regs?[name] }
        return state.prevRegs?[name]
    }

    /// Reads a word of the stack; the address must be inside a known stack
    /// (deref_stack_reg() / stack_access_ok()).
    func deref(_ address: UInt64, length: UInt64 = 8, stacks: [StackRange]) throws -> UInt64 {
        guard stacks.contains(where: { $0.contains(address, length: length) }) else {
            throw UnwindFailure(reason: "stack read at \(hex(address)) is outside this task's stacks")
        }
        return try kernel.readU64(address)
    }

    /// One unwind_next_frame(). Returns nil at a normal end of the stack.
    func step(_ state: inout State, stacks: [StackRange]) throws -> UnwindMethod? {
        let lookupIP = state.signal ? state.ip : state.ip &- 1
        guard let orc = try tables.find(lookupIP) else {
            guard tables.isKernelText(state.ip) else {
                throw UnwindFailure(reason: "pc \(hex(state.ip)) is not kernel text (no ORC entry, no symbol): the saved return address is corrupt")
            }
            // No ORC rule covers this pc (module text missing from the dump, a
            // generated trampoline): try the saved-RBP chain instead.
            guard let next = FramePointerUnwinder.step(ip: state.ip, sp: state.sp, bp: state.bp, kernel: kernel, stacks: stacks,
                                                       isText: tables.isKernelText) else {
                throw UnwindFailure(reason: "no ORC unwind entry for pc \(hex(state.ip)) and no valid frame-pointer chain at bp \(hex(state.bp))")
            }
            state = State(ip: next.ip, sp: next.sp, bp: next.bp, regs: nil, prevRegs: nil, regsAddress: nil, fullRegs: false, signal: false,
                          stackIndex: state.stackIndex)
            return .framePointer
        }
        if orc.type == .endOfStack { return nil }
        // End-of-stack check for kernel threads: an UNWIND_HINT_EMPTY region.
        if orc.spReg == .undefined || orc.type == .undefined {
            if orc.end || orc.type == .endOfStack { return nil }
            throw UnwindFailure(reason: "ORC has no rule (undefined sp) at pc \(hex(state.ip))")
        }
        func reg(_ name: String) throws -> UInt64 {
            guard let v = savedRegister(state, name) else {
                throw UnwindFailure(reason: "ORC rule at pc \(hex(state.ip)) needs register \(name), which is not saved here")
            }
            return v
        }
        var sp: UInt64
        var indirect = false
        switch orc.spReg {
        case .sp: sp = state.sp &+ UInt64(bitPattern: Int64(orc.spOffset))
        case .bp: sp = state.bp &+ UInt64(bitPattern: Int64(orc.spOffset))
        // Since 5.12 (commit 4da62773ab7f, "x86/unwind/orc: Change REG_SP_INDIRECT")
        // the offset is added AFTER the dereference: the stack-switch pattern
        // `mov %rsp, (%tos); mov %tos, %rsp` (asm/irq_stack.h) stores the old sp.
        case .spIndirect: sp = state.sp; indirect = true
        case .bpIndirect: sp = state.bp &+ UInt64(bitPattern: Int64(orc.spOffset)); indirect = true
        case .r10: sp = try reg("r10")
        case .r13: sp = try reg("r13")
        case .di: sp = try reg("rdi")
        case .dx: sp = try reg("rdx")
        case .ax: sp = try reg("rax")  // 7.x ORC_REG_AX
        default: throw UnwindFailure(reason: "unknown ORC sp base register \(orc.spRegRaw) at pc \(hex(state.ip))")
        }
        if indirect {
            sp = try deref(sp, stacks: stacks)
            if orc.spReg == .spIndirect { sp = sp &+ UInt64(bitPattern: Int64(orc.spOffset)) }
        }

        let method: UnwindMethod
        switch orc.type {
        case .call:
            state.ip = try deref(sp &- 8, stacks: stacks)
            state.sp = sp
            state.regs = nil
            state.prevRegs = nil
            state.regsAddress = nil
            state.fullRegs = false
            state.signal = false
            method = .orc
        case .regs:
            let size = UInt64(ptRegs.size)
            guard stacks.contains(where: { $0.contains(sp, length: size) }) else {
                throw UnwindFailure(reason: "pt_regs at \(hex(sp)) (for pc \(hex(state.ip))) is outside this task's stacks")
            }
            let regs = ptRegs.decode(try kernel.read(sp, count: ptRegs.size))
            state.regs = regs
            state.prevRegs = nil
            state.regsAddress = sp
            state.fullRegs = true
            state.signal = true
            state.ip = regs.ip ?? 0
            state.sp = regs.sp ?? 0
            method = .ptRegs
        case .regsPartial:
            let size = UInt64(ptRegs.size - ptRegs.iretOffset)
            guard stacks.contains(where: { $0.contains(sp, length: size) }) else {
                throw UnwindFailure(reason: "iret frame at \(hex(sp)) (for pc \(hex(state.ip))) is outside this task's stacks")
            }
            let regs = ptRegs.decode(try kernel.read(sp, count: Int(size)), partial: true)
            if state.fullRegs { state.prevRegs = state.regs }
            state.regs = regs
            state.regsAddress = sp &- UInt64(ptRegs.iretOffset)
            state.fullRegs = false
            state.signal = true
            state.ip = regs.ip ?? 0
            state.sp = regs.sp ?? 0
            method = .ptRegs
        case .undefined, .endOfStack:
            return nil
        }

        switch orc.bpReg {
        case .undefined:
            if let bp = savedRegister(state, "rbp") { state.bp = bp }
        case .prevSP:
            state.bp = try deref(sp &+ UInt64(bitPattern: Int64(orc.bpOffset)), stacks: stacks)
        case .bp:
            state.bp = try deref(state.bp &+ UInt64(bitPattern: Int64(orc.bpOffset)), stacks: stacks)
        default:
            throw UnwindFailure(reason: "unknown ORC bp base register \(orc.bpRegRaw) at pc \(hex(state.ip))")
        }
        return method
    }
}
