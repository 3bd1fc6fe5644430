#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import KdsqlDump
import KdsqlDebugInfo
import KdsqlMemory

/// Shared by every fuzz target (compiled into each; see Fuzz/README.md).
enum FuzzSupport {
    /// The bytes of one libFuzzer input.
    static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// Writes `bytes` to a fresh file (readers that map a path: DumpOpener).
    static func file(_ bytes: [UInt8]) -> String {
        let path = "/dev/shm/kdsql-fuzz-\(getpid())"
        let f = fopen(path, "w")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        return path
    }

    /// The committed sample dump (Tests/Fixtures/sample), or $KDSQL_FUZZ_DUMP.
    static var sampleDump: String {
        if let p = getenv("KDSQL_FUZZ_DUMP") { return String(cString: p) }
        return packageRoot + "/Tests/Fixtures/sample/vmcore"
    }

    static var packageRoot: String {
        if let p = getenv("KDSQL_ROOT") { return String(cString: p) }
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }
}

/// A real dump with some of its physical memory replaced by the fuzz input:
/// walkers of kernel structures (lists, xarrays, maple trees, the printk
/// ring, ORC tables) then meet arbitrary bytes exactly where they look.
final class OverlayDump: DumpFile {
    let base: any DumpFile
    /// Physical address the overlay starts at, and its bytes.
    var at: UInt64 = 0
    var bytes: [UInt8] = []
    /// A replacement VMCOREINFO text, when set.
    var vmcoreinfoText: String?

    init(base: any DumpFile) { self.base = base }

    var path: String { base.path }
    var format: DumpFormat { base.format }
    var vmcoreinfo: String? { vmcoreinfoText ?? base.vmcoreinfo }
    var notes: [ElfNote] { base.notes }
    var header: DumpHeaderInfo { base.header }
    var physicalLimit: UInt64 { base.physicalLimit }
    func presentPageFrames() -> [UInt64] { base.presentPageFrames() }
    var cacheStats: PageCacheStats { base.cacheStats }

    func read(physical address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
        try base.read(physical: address, into: buffer)
        let end = address &+ UInt64(buffer.count), overlayEnd = at &+ UInt64(bytes.count)
        guard !bytes.isEmpty, address < overlayEnd, end > at else { return }
        let from = max(address, at), to = min(end, overlayEnd)
        for pa in from..<to { buffer[Int(pa - address)] = bytes[Int(pa - at)] }
    }
}

/// The sample kernel opened once, over an overlay the targets set per input.
enum OverlayKernel {
    static let dump: OverlayDump = {
        do { return OverlayDump(base: try DumpOpener.open(path: FuzzSupport.sampleDump)) }
        catch { fatalError("fuzz setup: cannot open the sample dump: \(error)") }
    }()
    static let kernel: Kernel = {
        do {
            let map = FuzzSupport.packageRoot + "/Tests/Fixtures/sample/System.map-6.1.0-56-cloud-amd64"
            let k = try Kernel(dump: dump, options: .init(systemMapPath: map))
            _ = try k.types()
            return k
        } catch { fatalError("fuzz setup: cannot open the sample kernel: \(error)") }
    }()

    /// Places `input` over the page holding virtual address `va` (from its start).
    static func overlay(_ input: [UInt8], atPageOf va: UInt64) {
        dump.bytes = []
        guard let pa = try? kernel.translate(va) else { return }
        dump.at = pa & ~0xfff
        dump.bytes = Array(input.prefix(1 << 16))
    }
}
