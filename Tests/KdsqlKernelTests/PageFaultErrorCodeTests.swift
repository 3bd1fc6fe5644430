import Testing
@testable import KdsqlKernel

@Suite struct PageFaultErrorCodeTests {
    /// Every combination of the eight defined bits (trap_pf.h: 0–6 and 15).
    static let allCombinations: [UInt64] = (0..<256).map { n in
        var v: UInt64 = 0
        for (i, bit) in PageFaultErrorCode.Bit.allCases.enumerated() where n & (1 << i) != 0 { v |= 1 << UInt64(bit.rawValue) }
        return v
    }

    @Test(arguments: allCombinations)
    func eachColumnIsItsBit(code: UInt64) {
        let pf = PageFaultErrorCode(code)
        for bit in PageFaultErrorCode.Bit.allCases {
            #expect(pf.flag(bit) == Int((code >> UInt64(bit.rawValue)) & 1), "\(bit.column) of 0x\(String(code, radix: 16))")
        }
    }

    @Test(arguments: allCombinations)
    func summaryStatesEveryBit(code: UInt64) {
        let pf = PageFaultErrorCode(code)
        let s = pf.summary
        #expect(s.hasPrefix(code & 1 == 0 ? "page not found" : "protection violation"))
        #expect(s.contains(code & 4 == 0 ? " in kernel mode" : " in user mode"))
        if code & 0x10 != 0 {
            #expect(s.contains("during an instruction fetch") && !s.contains("not an instruction fetch"))
        } else {
            #expect(s.contains(code & 2 == 0 ? "during a read operation" : "during a write operation"))
            #expect(s.contains("; not an instruction fetch"))
        }
        #expect(s.contains("reserved bit") == (code & 8 != 0))
        #expect(s.contains("protection key") == (code & 0x20 != 0))
        #expect(s.contains("shadow-stack") == (code & 0x40 != 0))
        #expect(s.contains("SGX") == (code & 0x8000 != 0))
    }

    @Test func columnNamesAreTheContract() {
        #expect(PageFaultErrorCode.Bit.allCases.map(\.column) == [
            "pf_protection", "pf_write", "pf_user", "pf_reserved", "pf_instruction_fetch",
            "pf_protection_key", "pf_shadow_stack", "pf_sgx",
        ])
    }

    /// show_fault_oops()'s `#PF:` wording (arch/x86/mm/fault.c).
    @Test func kernelWordingFollowsShowFaultOops() {
        #expect(PageFaultErrorCode(0x0).kernelAccessText == "supervisor read access in kernel mode")
        #expect(PageFaultErrorCode(0x2).kernelAccessText == "supervisor write access in kernel mode")
        #expect(PageFaultErrorCode(0x11).kernelAccessText == "supervisor instruction fetch in kernel mode")
        #expect(PageFaultErrorCode(0x6).kernelAccessText == "user write access in user mode")
        #expect(PageFaultErrorCode(0x2).pageText == "not-present page")
        #expect(PageFaultErrorCode(0x3).pageText == "permissions violation")
        #expect(PageFaultErrorCode(0x9).pageText == "reserved bit violation")
        #expect(PageFaultErrorCode(0x21).pageText == "protection keys violation")
    }
}
