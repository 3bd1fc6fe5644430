import FixtureSupport
import KdsqlDebugInfo
import KdsqlDump

/// The sysrq fixture's kernel as the layer-2 tests need it: its VMCOREINFO,
/// its System.map and the BTF blob read out of the dumped kernel image.
///
/// This is a test helper, not the real address translation (layer 3 does
/// that): the kernel image is mapped linearly at __START_KERNEL_map
/// (arch/x86/include/asm/page_64_types.h), so
///   pa = va - 0xffffffff80000000 + phys_base
/// with phys_base = VMCOREINFO NUMBER(phys_base) (negative under KASLR, so the
/// arithmetic wraps) and va = System.map address + KERNELOFFSET (SystemMap
/// applies the offset).
enum FixtureKernel {
    static let startKernelMap: UInt64 = 0xffff_ffff_8000_0000

    struct Loaded: Sendable {
        let vmcoreinfo: VMCoreInfo
        let systemMapBytes: [UInt8]
        let btfBytes: [UInt8]
        let btf: BTFTypeInfo
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Loaded once for all tests (reading the 4 MB blob out of the dump and
    /// parsing it is the expensive part).
    static let shared: Result<Loaded, any Error> = Result { try load() }

    static func get() throws -> Loaded { try shared.get() }

    static func load() throws -> Loaded {
        let dump = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        guard let text = dump.vmcoreinfo else { throw Failure(description: "fixture dump has no VMCOREINFO") }
        let info = VMCoreInfo(text: text)
        let mapBytes = Array(try Fixtures.text(try Fixtures.path(Fixtures.sysrq, Fixtures.systemMap)).utf8)
        let map = try SystemMap(bytes: mapBytes, kaslrOffset: info.kernelOffset)
        guard let start = map.address(of: "__start_BTF"), let stop = map.address(of: "__stop_BTF"), stop > start else {
            throw Failure(description: "System.map has no __start_BTF/__stop_BTF")
        }
        guard let physBase = info.number("phys_base") else { throw Failure(description: "VMCOREINFO has no NUMBER(phys_base)") }
        let pa = start &- startKernelMap &+ UInt64(bitPattern: physBase)
        let bytes = try dump.read(physical: pa, count: Int(stop - start))
        return Loaded(vmcoreinfo: info, systemMapBytes: mapBytes, btfBytes: bytes, btf: try BTFTypeInfo(bytes: bytes))
    }
}
