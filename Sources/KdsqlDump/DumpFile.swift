/// An ELF note found in the dump (NT_PRSTATUS per CPU, VMCOREINFO, QEMU's
/// cpu-state notes), whether it came from an ELF PT_NOTE segment or from the
/// notes a kdump-compressed file keeps in its sub-header.
public struct ElfNote: Sendable, Equatable {
    public var name: String
    public var type: UInt32
    public var descriptor: [UInt8]
    public init(name: String, type: UInt32, descriptor: [UInt8]) {
        self.name = name
        self.type = type
        self.descriptor = descriptor
    }

    /// `NT_PRSTATUS` (include/uapi/linux/elf.h): one per CPU, holds `struct elf_prstatus`.
    public static let ntPrstatus: UInt32 = 1
}

/// Which container a dump came in.
public enum DumpFormat: Sendable, Equatable, CustomStringConvertible {
    /// ELF64 core (QEMU dump-guest-memory, makedumpfile -E, /proc/vmcore).
    case elf
    /// diskdump / kdump-compressed ("KDUMP   ").
    case kdumpCompressed(compression: String)
    /// makedumpfile -F flattened stream wrapping a kdump-compressed dump.
    case flattened(compression: String)

    public var description: String {
        switch self {
        case .elf: return "ELF vmcore"
        case .kdumpCompressed(let c): return "kdump-compressed (\(c))"
        case .flattened(let c): return "makedumpfile flattened kdump (\(c))"
        }
    }
}

/// Counters of the decompressed-page cache (exposed to SQL as `kdsql_stats`).
public struct PageCacheStats: Sendable, Equatable {
    public var hits: UInt64 = 0
    public var misses: UInt64 = 0
    public var evictions: UInt64 = 0
    public var bytesDecompressed: UInt64 = 0
    public var pagesRead: UInt64 = 0
    public var capacityBytes: UInt64 = 0
    public var residentBytes: UInt64 = 0
    public init() {}
}

/// What a dump file's own headers say about the machine. These are hints:
/// where they disagree with VMCOREINFO (QEMU's kdump output carries a wrong
/// phys_base and an empty utsname), VMCOREINFO wins.
public struct DumpHeaderInfo: Sendable, Equatable {
    public var machine: String?
    public var release: String?
    public var version: String?
    public var nodename: String?
    public var cpuCount: Int?
    public var physBase: UInt64?
    public var dumpLevel: Int?
    public var pageSize: Int = 4096
    public init() {}
}

/// An opened kernel dump.
public protocol DumpFile: PhysicalMemory {
    var path: String { get }
    var format: DumpFormat { get }
    /// The VMCOREINFO note text, if the dump has one.
    var vmcoreinfo: String? { get }
    /// All ELF notes (VMCOREINFO included).
    var notes: [ElfNote] { get }
    var header: DumpHeaderInfo { get }
    /// One past the highest physical address the dump describes.
    var physicalLimit: UInt64 { get }
    /// Page frame numbers whose contents the dump holds, in ascending order.
    func presentPageFrames() -> [UInt64]
    /// Cache counters (ELF dumps, read in place, report no decompression).
    var cacheStats: PageCacheStats { get }
}
