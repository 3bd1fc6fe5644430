/// Everything that can go wrong while reading a dump file. Each case says what
/// happened and where (file offset or physical address), so the one-line
/// message printed by the front end is enough to act on.
public enum DumpError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file is readable but is not a kernel dump (`found` says what it is).
    case notADump(path: String, found: String)
    /// A header or table ends past the end of the file.
    case truncated(what: String, offset: UInt64, fileSize: UInt64)
    /// A header field holds an impossible value.
    case corrupt(what: String, offset: UInt64)
    /// The page exists in the machine but was left out of the dump
    /// (makedumpfile -d filtering, or never dumped).
    case pageExcluded(physicalAddress: UInt64)
    /// The address lies outside every memory range the dump describes.
    case notInDump(physicalAddress: UInt64)
    /// The page was dumped, but its bytes lie past the end of a dump file that
    /// was cut short (a full /var/crash, an interrupted copy): it reads as
    /// excluded, and the dump said so once when it was opened.
    case pageMissing(physicalAddress: UInt64)
    /// The page is compressed with a method this build cannot decode.
    case unsupportedCompression(method: String, pfn: UInt64)
    /// Decompressing a page failed or gave the wrong length.
    case decompressionFailed(method: String, pfn: UInt64, offset: UInt64)

    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .notADump(let path, let found):
            return "not a kernel dump: \(found) (\(path))"
        case .truncated(let what, let offset, let size):
            return "truncated \(what) at offset \(offset) (file is \(size) bytes): the dump was cut short; copy it again"
        case .corrupt(let what, let offset):
            return "corrupt \(what) at offset \(offset)"
        case .pageExcluded(let pa):
            return "physical page \(hex(pa & ~0xfff)) was excluded from the dump (filtered by makedumpfile or never dumped)"
        case .notInDump(let pa):
            return "physical address \(hex(pa)) is outside the memory described by the dump"
        case .pageMissing(let pa):
            return "physical page \(hex(pa & ~0xfff)) lies past the end of the truncated dump file"
        case .unsupportedCompression(let method, let pfn):
            return "page frame \(hex(pfn)) is compressed with \(method), which this build cannot decode"
        case .decompressionFailed(let method, let pfn, let offset):
            return "\(method) decompression of page frame \(hex(pfn)) (file offset \(offset)) failed: the dump is corrupt"
        }
    }
}

extension DumpError {
    /// True for memory the dump does not hold (filtered out, outside its
    /// ranges, or lost with the end of a cut file): a reader skips the object
    /// that lives there and goes on. Corruption of the file itself is not this.
    public var isUnreadableMemory: Bool {
        switch self {
        case .pageExcluded, .notInDump, .pageMissing: return true
        default: return false
        }
    }
}
