import Testing
import KdsqlDump
import KdsqlDebugInfo
@testable import KdsqlMemory

/// When no kallsyms tables can be found, the error says what was searched and
/// what to pass instead, whatever the kernel version.
@Suite struct KallsymsNotFoundTests {
    /// 64 MiB of zeros: a kernel image without any kallsyms table.
    final class ZeroMemory: PhysicalMemory {
        func read(physical address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
            guard address < 64 << 20 else { throw DumpError.pageExcluded(physicalAddress: address) }
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
        }
    }

    static let vmcoreinfo = VMCoreInfo(text: """
        OSRELEASE=7.3.4+deb13-cloud-amd64
        SYMBOL(_stext)=ffffffff81000000
        SYMBOL(init_uts_ns)=ffffffff82a13700
        SYMBOL(swapper_pg_dir)=ffffffff82a0a000
        NUMBER(phys_base)=0
        """)

    @Test func theMessageSaysWhatWasSearchedAndWhatToPass() throws {
        let memory = ZeroMemory()
        let translator = X86_64Translator(memory: memory, physBase: 0, kernelImageSize: 1 << 30,
                                          kernelRootVirtual: 0xffff_ffff_82a0_a000, fiveLevel: false)
        do {
            _ = try KallsymsLoader.load(vmcoreinfo: Self.vmcoreinfo, translator: translator, memory: memory)
            Issue.record("kallsyms found in zeros")
        } catch {
            let text = "\(error)"
            #expect(text.contains("VMCOREINFO names no kallsyms tables"), "\(text)")
            #expect(text.contains("of the kernel image from 0xffffffff81000000 for kallsyms_token_index: no candidate"), "\(text)")
            #expect(text.contains("-m/--system-map"), "\(text)")
            #expect(text.contains("linux-image-7.3.4+deb13-cloud-amd64-dbg"), "\(text)")
            #expect(!text.contains("predates"), "\(text)")
        }
    }
}
