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
    /// Pages the read-ahead worker decoded, and how many of them the reader
    /// used (ReadAhead); both 0 when no worker ran. They depend on timing.
    public var readAheadDecoded: UInt64 = 0
    public var readAheadUsed: UInt64 = 0
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
    /// What looked wrong while opening (unknown header version, stray status
    /// bits, a file cut short), one line each; the front end prints them once.
    var openWarnings: [String] { get }
    /// Set when the file ends before the data its headers promise.
    var truncation: DumpTruncation? { get }
    /// A hash of every stored byte (compressed, as in the file) behind the
    /// page-aligned physical range, without decompressing: two dumps give
    /// the same value only when they store the same bytes. Nil when the
    /// format cannot say cheaply.
    func storedBytesFingerprint(physical: UInt64, count: Int) throws -> UInt64?
}

extension DumpFile {
    public var openWarnings: [String] { [] }
    public var truncation: DumpTruncation? { nil }
    public func storedBytesFingerprint(physical: UInt64, count: Int) throws -> UInt64? { nil }
}

/// FNV-1a over 8-byte words in four interleaved lanes (then the tail words
/// and bytes), folded into one value: fast, and enough to tell whether stored
/// bytes changed (it guards a cache, it is not a signature). Four lanes,
/// because one chain of multiplies ran at a quarter of the speed a warm start
/// needs to check a 4 MiB cached BTF blob in well under a millisecond.
public struct Fingerprint {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x100_0000_01b3
    public init() {}
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        let p = Fingerprint.prime
        let blocks = bytes.count / 32
        var h = value
        if blocks > 0 {
            var l0 = h, l1 = h ^ 0x9e37_79b9_7f4a_7c15, l2 = h ^ 0xc2b2_ae3d_27d4_eb4f, l3 = h ^ 0x1656_67b1_9e37_79f9
            for i in 0..<blocks {
                let o = i * 32
                l0 = (l0 ^ bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self)) &* p
                l1 = (l1 ^ bytes.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self)) &* p
                l2 = (l2 ^ bytes.loadUnaligned(fromByteOffset: o + 16, as: UInt64.self)) &* p
                l3 = (l3 ^ bytes.loadUnaligned(fromByteOffset: o + 24, as: UInt64.self)) &* p
            }
            h = (((((l0 ^ l1) &* p) ^ l2) &* p ^ l3) &* p) ^ UInt64(blocks)
        }
        var i = blocks * 32
        while i + 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* p
            i += 8
        }
        while i < bytes.count { h = (h ^ UInt64(bytes[i])) &* p; i += 1 }
        value = h
    }
    public mutating func add(_ v: UInt64) {
        value = (value ^ v) &* 0x100_0000_01b3
    }
}

/// How much of a cut-short dump is gone: the pages whose stored bytes lie past
/// the end of the file. They read as `DumpError.pageMissing`.
public struct DumpTruncation: Sendable, Equatable, CustomStringConvertible {
    /// Size of the file as found.
    public var fileSize: UInt64
    /// Size the headers promise (at least).
    public var expectedSize: UInt64
    /// Dumped pages whose bytes are gone, of `dumpedPages`.
    public var missingPages: Int
    public var dumpedPages: Int
    public init(fileSize: UInt64, expectedSize: UInt64, missingPages: Int, dumpedPages: Int) {
        self.fileSize = fileSize
        self.expectedSize = expectedSize
        self.missingPages = missingPages
        self.dumpedPages = dumpedPages
    }

    public var description: String {
        func tenths(_ x: Double) -> String {
            let t = Int((x * 10).rounded())
            return "\(t / 10).\(t % 10)"
        }
        let pct = dumpedPages > 0 ? Double(missingPages) * 100 / Double(dumpedPages) : 0
        let mib = Double(expectedSize - min(expectedSize, fileSize)) / 1048576
        return "the dump file is truncated: \(fileSize) of at least \(expectedSize) bytes (\(tenths(mib)) MiB missing); "
            + "\(missingPages) of \(dumpedPages) dumped pages (\(tenths(pct))%) are lost and read as excluded"
    }
}
