import Testing
@testable import KdsqlKernel

/// The capstone wrapper on hand-assembled x86-64: instruction boundaries,
/// Intel syntax, and the addresses branch, RIP-relative and immediate
/// operands name.
@Suite struct DisassemblerTests {
    /// sysrq_handle_crash of 6.1 at its link address (objdump -d -M intel).
    static let code: [UInt8] = [
        0x0f, 0x1f, 0x44, 0x00, 0x00,                   // nop dword ptr [rax + rax]
        0xe8, 0x76, 0xf8, 0xa7, 0xff,                   // call 0xffffffff81128270
        0x48, 0xc7, 0xc7, 0xb9, 0x97, 0x36, 0x82,       // mov rdi, 0xffffffff823697b9
        0x8b, 0x0d, 0x52, 0xb9, 0x26, 0x01,             // mov ecx, dword ptr [rip + 0x126b952]
    ]
    static let base: UInt64 = 0xffff_ffff_816a_89f0

    @Test func decodesBoundariesMnemonicsAndOperands() throws {
        let insns = try Disassembler().decode(Self.code, at: Self.base, count: 10)
        #expect(insns.map(\.address) == [Self.base, Self.base + 5, Self.base + 10, Self.base + 17])
        #expect(insns.map(\.mnemonic) == ["nop", "call", "mov", "mov"])
        #expect(insns[1].operands == "0xffffffff81128270")
        #expect(insns[1].bytes == [0xe8, 0x76, 0xf8, 0xa7, 0xff])
    }

    @Test func namesCallRipRelativeAndKernelImmediateTargets() throws {
        let insns = try Disassembler().decode(Self.code, at: Self.base, count: 10)
        #expect(insns[0].target == nil)
        #expect(insns[1].target == 0xffff_ffff_8112_8270 && !insns[1].targetIsImmediate)
        #expect(insns[2].target == 0xffff_ffff_8236_97b9 && insns[2].targetIsImmediate)
        // next instruction (base + 23) + 0x126b952
        #expect(insns[3].target == Self.base + 23 + 0x126b952 && !insns[3].targetIsImmediate)
    }

    @Test func countLimitsTheInstructionsAndGarbageEndsThem() throws {
        #expect(try Disassembler().decode(Self.code, at: Self.base, count: 2).count == 2)
        // 0x06 (push es) is invalid in 64-bit mode: decoding stops before it.
        #expect(try Disassembler().decode([0x90, 0x06, 0x90], at: 0x1000, count: 3).map(\.mnemonic) == ["nop"])
    }

    @Test func smallImmediatesAreNoAddresses() {
        #expect(Disassembler.kernelImmediate("eax, 0xffffffff") == nil)
        #expect(Disassembler.kernelImmediate("rdi, -0x44c96847") == 0xffff_ffff_bb36_97b9)
    }
}
