import KdsqlDump
import KdsqlMemory

/// Register sets of the CPUs at the moment of the dump, from the dump's
/// NT_PRSTATUS notes: written by crash_save_cpu() (kernel/kexec_core.c) in a
/// kdump capture, or by QEMU's dump-guest-memory for every vCPU (then the
/// registers are where the vCPU sat when QEMU stopped the guest, not the
/// panic point: the panic frames are further up the same stack).
public struct CPURegisters: Sendable {
    /// user_regs_struct (arch/x86/include/asm/user_64.h), the order of pr_reg.
    public static let names = ["r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
                               "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
                               "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"]
    /// Offset of pr_reg in the x86_64 `struct elf_prstatus` (include/linux/elfcore.h):
    /// elf_siginfo (12) + pr_cursig (2, padded to 16) + pr_sigpend, pr_sighold (16)
    /// + pr_pid, pr_ppid, pr_pgrp, pr_sid (16) + four timevals (64) = 112. This is
    /// the ELF core-file ABI (what QEMU and crash write), not a kernel-internal layout.
    public static let prRegOffset = 112
    /// pr_pid: the pid of the task (kexec) or the vCPU index + 1 (QEMU).
    static let prPidOffset = 32

    public struct Entry: Sendable {
        /// Position of the note among the NT_PRSTATUS notes.
        public var noteIndex: Int
        public var cpu: Int
        public var notePid: Int32
        public var registers: RegisterSet
        /// How the note was matched to its CPU: `stack` (its RSP lies on a
        /// stack of that CPU or of the task running there) or `note_order`.
        public var matchedBy: String
    }

    public var entries: [Entry]

    /// Decodes one NT_PRSTATUS descriptor.
    public static func decode(_ d: [UInt8]) -> (pid: Int32, registers: RegisterSet)? {
        guard d.count >= prRegOffset + names.count * 8 else { return nil }
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(d[o + $1]) << UInt64(8 * $1) } }
        let pid = Int32(bitPattern: UInt32(truncatingIfNeeded: u64(prPidOffset)))
        return (pid, RegisterSet(names.enumerated().map { ($0.element, u64(prRegOffset + $0.offset * 8)) }))
    }

    /// Matches each note to a CPU. Notes come in CPU order in both QEMU and
    /// kexec dumps, but kexec writes only the CPUs that were online, so the
    /// note's RSP is checked against the stacks of each CPU (its IRQ and
    /// exception stacks and the stack of the task it was running) first.
    public init(notes: [ElfNote], cpus: [Int], stacksOfCPU: (Int) -> [StackRange]) {
        let decoded = notes.filter { $0.type == ElfNote.ntPrstatus && $0.name == "CORE" }.compactMap { Self.decode($0.descriptor) }
        var taken = Set<Int>()
        var out: [Entry] = []
        for (i, note) in decoded.enumerated() {
            let sp = note.registers.sp ?? 0
            let byOrder = i < cpus.count ? cpus[i] : i
            if stacksOfCPU(byOrder).contains(where: { $0.contains(sp) }) {
                out.append(Entry(noteIndex: i, cpu: byOrder, notePid: note.pid, registers: note.registers, matchedBy: "stack"))
                taken.insert(byOrder)
            } else if let c = cpus.first(where: { !taken.contains($0) && stacksOfCPU($0).contains { $0.contains(sp) } }) {
                out.append(Entry(noteIndex: i, cpu: c, notePid: note.pid, registers: note.registers, matchedBy: "stack"))
                taken.insert(c)
            } else {
                out.append(Entry(noteIndex: i, cpu: byOrder, notePid: note.pid, registers: note.registers, matchedBy: "note_order"))
                taken.insert(byOrder)
            }
        }
        entries = out
    }

    public func registers(cpu: Int) -> RegisterSet? {
        entries.first { $0.cpu == cpu }?.registers
    }
}
