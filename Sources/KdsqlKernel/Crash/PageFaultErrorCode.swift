/// The x86 page-fault error code the CPU pushes for #PF, as the kernel
/// prints it in `Oops: 0002` and `#PF: error_code(0x0002)`
/// (arch/x86/include/asm/trap_pf.h, enum x86_pf_error_code).
public struct PageFaultErrorCode: Equatable, Sendable {
    public var raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }

    /// Bit numbers from trap_pf.h.
    public enum Bit: Int, CaseIterable, Sendable {
        /// X86_PF_PROT: 0 = no page found, 1 = protection fault.
        case protection = 0
        /// X86_PF_WRITE: 0 = read access, 1 = write access.
        case write = 1
        /// X86_PF_USER: 0 = kernel-mode access, 1 = user-mode access.
        case user = 2
        /// X86_PF_RSVD: use of a reserved bit in a page-table entry.
        case reserved = 3
        /// X86_PF_INSTR: fault was an instruction fetch.
        case instructionFetch = 4
        /// X86_PF_PK: protection-keys block access.
        case protectionKey = 5
        /// X86_PF_SHSTK: shadow-stack access (6.6+ header; the CPU sets it regardless).
        case shadowStack = 6
        /// X86_PF_SGX: SGX MMU page-fault.
        case sgx = 15

        /// Column name in the `panic` and `oops` tables.
        public var column: String {
            switch self {
            case .protection: return "pf_protection"
            case .write: return "pf_write"
            case .user: return "pf_user"
            case .reserved: return "pf_reserved"
            case .instructionFetch: return "pf_instruction_fetch"
            case .protectionKey: return "pf_protection_key"
            case .shadowStack: return "pf_shadow_stack"
            case .sgx: return "pf_sgx"
            }
        }
    }

    public func has(_ bit: Bit) -> Bool { raw & (1 << UInt64(bit.rawValue)) != 0 }

    /// 0/1 for a table column.
    public func flag(_ bit: Bit) -> Int { has(bit) ? 1 : 0 }

    /// The hand analysis in one sentence, e.g. for 0x0002: "page not found
    /// during a write operation in kernel mode; not an instruction fetch".
    public var summary: String {
        var s = has(.protection) ? "protection violation" : "page not found"
        s += has(.instructionFetch) ? " during an instruction fetch" : " during a \(has(.write) ? "write" : "read") operation"
        s += " in \(has(.user) ? "user" : "kernel") mode"
        if !has(.instructionFetch) { s += "; not an instruction fetch" }
        if has(.reserved) { s += "; a reserved bit was set in a page-table entry" }
        if has(.protectionKey) { s += "; blocked by a protection key" }
        if has(.shadowStack) { s += "; a shadow-stack access" }
        if has(.sgx) { s += "; an SGX access-control violation" }
        return s
    }

    /// What show_fault_oops() prints on its `#PF:` lines
    /// (arch/x86/mm/fault.c): "supervisor write access in kernel mode". The
    /// kernel takes the final "kernel/user mode" from user_mode(regs); the
    /// error code's user bit says the same for every fault that reaches an Oops.
    public var kernelAccessText: String {
        let who = has(.user) ? "user" : "supervisor"
        let what = has(.instructionFetch) ? "instruction fetch" : has(.write) ? "write access" : "read access"
        return "\(who) \(what) in \(has(.user) ? "user" : "kernel") mode"
    }

    /// show_fault_oops()'s `#PF: error_code(0x%04lx) - %s` reason.
    public var pageText: String {
        !has(.protection) ? "not-present page"
            : has(.reserved) ? "reserved bit violation"
            : has(.protectionKey) ? "protection keys violation"
            : "permissions violation"
    }
}
