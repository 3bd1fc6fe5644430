import CCapstone

/// x86-64 machine code to instructions, through capstone (Debian
/// libcapstone, Intel syntax like `objdump -M intel` and crash's `dis`).
/// Branch, call and RIP-relative operands are given their target address so
/// the caller can name it (`call 0xffffffff8110a2d0` is `panic`).
public final class Disassembler {
    public struct Instruction: Sendable, Equatable {
        public var address: UInt64
        public var bytes: [UInt8]
        public var mnemonic: String
        public var operands: String
        /// Where a direct call/jump goes, the address a `[rip ± disp]`
        /// operand names, or a kernel address given as an immediate; nil otherwise.
        public var target: UInt64?
        /// The target came from an immediate operand, which may be a
        /// constant that only looks like an address, or a string literal
        /// (no symbol of its own) far past the nearest symbol.
        public var targetIsImmediate: Bool
    }

    public struct CapstoneError: Error, CustomStringConvertible {
        public var description: String
    }

    private var handle: csh = 0

    public init() throws {
        // libcapstone is loaded on first use, so a machine without it runs
        // everything but disassembly.
        if let failure = kdsql_capstone_load() {
            throw CapstoneError(description: "disassembly needs libcapstone, which could not be loaded: \(String(cString: failure))")
        }
        let rc = kdsql_cs_open(CS_ARCH_X86, CS_MODE_64, &handle)
        guard rc == CS_ERR_OK else {
            throw CapstoneError(description: "capstone cannot open an x86-64 disassembler: \(String(cString: kdsql_cs_strerror(rc)))")
        }
    }

    deinit { if handle != 0 { _ = kdsql_cs_close(&handle) } }

    /// Decodes up to `count` instructions of `code`, which starts at
    /// `address`. Decoding stops early at bytes that are no instruction
    /// (capstone's rule), so fewer may come back.
    public func decode(_ code: [UInt8], at address: UInt64, count: Int) -> [Instruction] {
        guard !code.isEmpty, count > 0 else { return [] }
        var insns: UnsafeMutablePointer<cs_insn>?
        let n = code.withUnsafeBufferPointer { buffer in
            kdsql_cs_disasm(handle, buffer.baseAddress, buffer.count, address, count, &insns)
        }
        guard n > 0, let insns else { return [] }
        defer { kdsql_cs_free(insns, n) }
        var out: [Instruction] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let insn = insns[i]
            let size = Int(insn.size)
            let bytes = withUnsafeBytes(of: insn.bytes) { Array($0.prefix(size)) }
            let mnemonic = withUnsafeBytes(of: insn.mnemonic) { Self.cString($0) }
            let operands = withUnsafeBytes(of: insn.op_str) { Self.cString($0) }
            let next = insn.address &+ UInt64(size)
            let target = Self.target(mnemonic: mnemonic, operands: operands, next: next)
            out.append(Instruction(address: insn.address, bytes: bytes, mnemonic: mnemonic, operands: operands,
                                   target: target ?? Self.kernelImmediate(operands), targetIsImmediate: target == nil))
        }
        return out
    }

    static func cString(_ raw: UnsafeRawBufferPointer) -> String {
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The address an instruction names: the immediate of a direct
    /// jump/call/loop (`jne 0xffffffff81000010`), or `next ± disp` for a
    /// RIP-relative memory operand (`qword ptr [rip + 0x1d2c2f5]`).
    static func target(mnemonic: String, operands: String, next: UInt64) -> UInt64? {
        if mnemonic.hasPrefix("j") || mnemonic.hasPrefix("call") || mnemonic.hasPrefix("loop") || mnemonic == "xbegin" {
            if operands.hasPrefix("0x"), let v = UInt64(operands.dropFirst(2), radix: 16) { return v }
            return nil
        }
        guard let rip = operands.firstRange(of: "[rip ") else { return nil }
        let rest = operands[rip.upperBound...]
        guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
        let digits = rest.dropFirst().drop { $0 == " " }
        guard digits.hasPrefix("0x") else { return nil }
        let hex = digits.dropFirst(2).prefix { $0.isHexDigit }
        guard let disp = UInt64(hex, radix: 16) else { return nil }
        return sign == "+" ? next &+ disp : next &- disp
    }

    /// A last operand that is a kernel address: capstone prints a
    /// sign-extended imm32 (`mov rdi, 0xffffffff823697b9`, the kernel's
    /// -mcmodel=kernel addresses) as a negative number (`rdi, -0x7dc96847`).
    static func kernelImmediate(_ operands: String) -> UInt64? {
        guard let comma = operands.lastIndex(of: ",") else { return nil }
        let last = operands[operands.index(after: comma)...].drop { $0 == " " }
        let negative = last.hasPrefix("-")
        let digits = negative ? last.dropFirst() : last
        guard digits.hasPrefix("0x"), let magnitude = UInt64(digits.dropFirst(2), radix: 16) else { return nil }
        let value = negative ? 0 &- magnitude : magnitude
        // The kernel half of the address space (x86-64 canonical addresses).
        return value >= 0xffff_8000_0000_0000 ? value : nil
    }
}
