import Testing
import Glibc
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

/// The remembered layout of a build serves every boot of it: addresses are
/// kept without the KASLR slide.
@Suite struct KallsymsLayoutCacheTests {
    @Test func aStoredLayoutComesBackForAnotherKASLRSlide() throws {
        let path = "/tmp/kdsql-layout-test-\(getpid()).layout"
        defer { unlink(path) }
        let cache = KallsymsLayoutCache(path: path)
        let slide1: UInt64 = 0x1740_0000, slide2: UInt64 = 0x0940_0000
        let base: UInt64 = 0xffff_ffff_8100_0000
        let stored = KallsymsLayout(numSyms: 96995, names: base + 0xf42ed0 + slide1, markers: base + 0x1071968 + slide1,
                                    seqsOfNames: nil, tokenTable: base + 0x1071f58 + slide1, tokenIndex: base + 0x10722e8 + slide1,
                                    offsets: base + 0xee4330 + slide1, encoding: .absolutePercpu(relativeBase: base + slide1),
                                    origin: "test")
        cache.store(stored, kaslrOffset: slide1)
        let loaded = try #require(cache.load(kaslrOffset: slide2))
        #expect(loaded.numSyms == 96995)
        #expect(loaded.names == base + 0xf42ed0 + slide2)
        #expect(loaded.offsets == base + 0xee4330 + slide2)
        #expect(loaded.seqsOfNames == nil)
        #expect(loaded.encoding == .absolutePercpu(relativeBase: base + slide2))
    }

    @Test func aMissingOrForeignFileIsNoLayout() {
        #expect(KallsymsLayoutCache(path: "/nonexistent/kdsql.layout").load(kaslrOffset: 0) == nil)
        #expect(KallsymsLayoutCache(path: "/etc/hostname").load(kaslrOffset: 0) == nil)
    }
}
