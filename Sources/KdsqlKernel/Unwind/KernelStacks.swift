import KdsqlMemory

/// One kernel stack: `[low, high)`, what it is and whose.
public struct StackRange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A task's own stack (`task->stack`, THREAD_SIZE bytes).
        case task
        /// A CPU's hard-IRQ stack (`hardirq_stack_ptr`).
        case irq
        /// A CPU's IST exception stack (`cea_exception_stacks`): DF, NMI, DB, MCE, VC...
        case exception(String)
    }
    public var kind: Kind
    public var cpu: Int?
    public var low: UInt64
    public var high: UInt64

    public init(kind: Kind, cpu: Int?, low: UInt64, high: UInt64) {
        self.kind = kind
        self.cpu = cpu
        self.low = low
        self.high = high
    }

    /// True when `[address, address + length)` lies inside the stack
    /// (on_stack() in arch/x86/include/asm/stacktrace.h).
    @inline(__always)
    public func contains(_ address: UInt64, length: UInt64 = 8) -> Bool {
        address >= low && address < high && high - address >= length
    }

    /// `task`, `irq`, `exception:NMI`: the `stack` column.
    public var name: String {
        switch kind {
        case .task: return "task"
        case .irq: return "irq"
        case .exception(let n): return "exception:\(n)"
        }
    }

    public var description: String {
        "\(name)\(cpu.map { " cpu \($0)" } ?? "") [0x\(String(low, radix: 16)), 0x\(String(high, radix: 16)))"
    }
}

/// Where the kernel's stacks are, so that the unwinder reads only inside a
/// known stack (get_stack_info() in arch/x86/kernel/dumpstack_64.c): a
/// sleeping task may use only its own stack; the task running on a CPU may
/// also be on that CPU's IRQ stack or one of its exception stacks.
public final class KernelStacks {
    public let kernel: Kernel
    /// THREAD_SIZE: `__end_init_task - __start_init_task` (the linker script
    /// arch/x86/kernel/vmlinux.lds.S reserves exactly THREAD_SIZE for the init
    /// task), else 16 KiB (PAGE_SIZE << THREAD_SIZE_ORDER without KASAN,
    /// arch/x86/include/asm/page_64_types.h).
    public let threadSize: UInt64
    let taskStack: FieldRef
    private var cpuStacks: [Int: [StackRange]] = [:]

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        taskStack = try kernel.field("struct task_struct", "stack")
        if let start = kernel.symbols.address(of: "__start_init_task"),
           let end = kernel.symbols.address(of: "__end_init_task"),
           end > start, end - start <= 1 << 20, (end - start) % kernel.pageSize == 0 {
            threadSize = end - start
        } else {
            threadSize = 16 << 10
        }
    }

    /// The task's own stack.
    public func taskStack(_ task: UInt64) throws -> StackRange {
        let base = try kernel.readPointer(task, taskStack)
        guard base != 0 else { throw MemoryError.nullPointer(what: "task_struct.stack of 0x\(String(task, radix: 16)) (the task has exited)") }
        return StackRange(kind: .task, cpu: nil, low: base, high: base &+ threadSize)
    }

    /// The IRQ stack and exception stacks of a CPU (cached).
    public func cpuStacks(_ cpu: Int) -> [StackRange] {
        if let s = cpuStacks[cpu] { return s }
        var out: [StackRange] = []
        if let irq = irqStack(cpu) { out.append(irq) }
        out.append(contentsOf: exceptionStacks(cpu))
        cpuStacks[cpu] = out
        return out
    }

    /// `hardirq_stack_ptr` points at the top-most word of the IRQ stack
    /// (arch/x86/kernel/irq_64.c: `va + IRQ_STACK_SIZE - 8`); in_irq_stack()
    /// in dumpstack_64.c adds the 8 back. A per-CPU variable up to 6.1,
    /// `pcpu_hot.hardirq_stack_ptr` from 6.2 (commit 7443b296e699).
    /// IRQ_STACK_SIZE equals THREAD_SIZE (both order 2 + KASAN_STACK_ORDER).
    func irqStack(_ cpu: Int) -> StackRange? {
        var top: UInt64?
        if let p = try? kernel.perCPU("hardirq_stack_ptr", cpu: cpu) {
            top = try? kernel.readU64(p)
        } else if let hot = try? kernel.perCPU("pcpu_hot", cpu: cpu),
                  let f = try? kernel.field("struct pcpu_hot", "hardirq_stack_ptr") {
            top = try? kernel.readPointer(hot, f)
        }
        guard let top, top != 0 else { return nil }
        let high = top &+ 8
        return StackRange(kind: .irq, cpu: cpu, low: high &- threadSize, high: high)
    }

    /// The IST stacks in the CPU entry area: every `<NAME>_stack` member of
    /// `struct cea_exception_stacks` (arch/x86/include/asm/cpu_entry_area.h),
    /// located through the per-CPU pointer `cea_exception_stacks`.
    func exceptionStacks(_ cpu: Int) -> [StackRange] {
        guard let p = try? kernel.perCPU("cea_exception_stacks", cpu: cpu),
              let base = try? kernel.readU64(p), base != 0,
              let types = try? kernel.types(),
              let t = try? kernel.type("struct cea_exception_stacks") else { return [] }
        var out: [StackRange] = []
        for m in types.members(of: types.resolved(t)) where m.name.hasSuffix("_stack") {
            guard let size = types.size(of: m.type), size > 0 else { continue }
            let low = base &+ UInt64(m.bitOffset / 8)
            out.append(StackRange(kind: .exception(String(m.name.dropLast(6))), cpu: cpu, low: low, high: low &+ UInt64(size)))
        }
        return out
    }

    /// Stacks a task may be on: its own, plus its CPU's when it is running there.
    public func stacks(task: UInt64, runningOn cpu: Int?) throws -> [StackRange] {
        var out = [try taskStack(task)]
        if let cpu { out.append(contentsOf: cpuStacks(cpu)) }
        return out
    }
}
