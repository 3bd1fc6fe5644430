import KdsqlMemory

/// `struct pt_regs` (arch/x86/include/asm/ptrace.h) as the entry code saves
/// it on a stack: offsets from BTF, resolved once; a frame is read with one
/// memory read and decoded from the bytes.
public struct PtRegsLayout: Sendable {
    /// (pt_regs member, name as in user_regs_struct / crash's `bt -e`).
    static let members: [(field: String, name: String)] = [
        ("r15", "r15"), ("r14", "r14"), ("r13", "r13"), ("r12", "r12"), ("bp", "rbp"), ("bx", "rbx"),
        ("r11", "r11"), ("r10", "r10"), ("r9", "r9"), ("r8", "r8"), ("ax", "rax"), ("cx", "rcx"),
        ("dx", "rdx"), ("si", "rsi"), ("di", "rdi"), ("orig_ax", "orig_rax"), ("ip", "rip"),
        ("cs", "cs"), ("flags", "eflags"), ("sp", "rsp"), ("ss", "ss"),
    ]
    public let size: Int
    /// Offset of `ip`: the hardware iret frame starts here (IRET_FRAME_OFFSET).
    public let iretOffset: Int
    let offsets: [(name: String, offset: Int, size: Int)]

    public init(kernel: Kernel) throws {
        size = try kernel.size(of: "struct pt_regs")
        var offs: [(String, Int, Int)] = []
        for m in Self.members {
            let f = try kernel.field("struct pt_regs", m.field)
            // cs/ss are `unsigned long` in 6.1 and u16 inside unions from 6.9 (FRED): read the declared size.
            offs.append((m.name, Int(f.offset), max(1, min(8, f.size))))
        }
        offsets = offs
        iretOffset = Int(try kernel.field("struct pt_regs", "ip").offset)
    }

    /// Decodes a full pt_regs (`bytes.count == size`) or only its iret part
    /// (`partial`: bytes start at `ip`), giving register name → value.
    public func decode(_ bytes: [UInt8], partial: Bool = false) -> RegisterSet {
        var values: [(String, UInt64)] = []
        let base = partial ? iretOffset : 0
        for (name, offset, width) in offsets {
            let o = offset - base
            guard o >= 0, o + width <= bytes.count else { continue }
            var v: UInt64 = 0
            for i in 0..<width { v |= UInt64(bytes[o + i]) << UInt64(8 * i) }
            values.append((name, v))
        }
        return RegisterSet(values)
    }
}

/// A register set: (name, value) in a stable order (user_regs_struct's).
public struct RegisterSet: Sendable, Equatable {
    public var values: [(name: String, value: UInt64)]

    public init(_ values: [(String, UInt64)]) { self.values = values.map { (name: $0.0, value: $0.1) } }

    public subscript(_ name: String) -> UInt64? {
        values.first { $0.name == name }?.value
    }

    public var ip: UInt64? { self["rip"] }
    public var sp: UInt64? { self["rsp"] }
    public var bp: UInt64? { self["rbp"] }
    /// user_mode(): the saved CS has RPL 3 (arch/x86/include/asm/ptrace.h).
    public var isUserMode: Bool { (self["cs"] ?? 0) & 3 == 3 }

    public static func == (a: RegisterSet, b: RegisterSet) -> Bool {
        a.values.count == b.values.count && zip(a.values, b.values).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
