#if canImport(Glibc)
@preconcurrency import Glibc
#endif
/// The kernel's own compressed symbol table, decoded from the tables that
/// scripts/kallsyms.c emits into the image (kernel/kallsyms.c is the reader
/// this follows):
///
/// - `kallsyms_num_syms`: u32 count.
/// - `kallsyms_names`: per symbol a length (one byte; since 6.1 a length with
///   bit 7 set continues in a second byte: `(b0 & 0x7f) | b1 << 7`), then that
///   many token indexes. The first expanded character is the type letter.
/// - `kallsyms_token_table`: NUL-terminated token strings;
///   `kallsyms_token_index`: u16 offset of each of the 256 tokens.
/// - `kallsyms_offsets` (CONFIG_KALLSYMS_BASE_RELATIVE): s32 per symbol.
///   With CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP) a non-negative offset
///   is an absolute value (per-CPU symbols) and a negative one is
///   `relative_base - 1 - offset`; without it, `relative_base + offset`.
///
/// Symbols are in address order. Names are expanded once into one byte
/// buffer; the name index is built on first lookup by name.
public final class Kallsyms: SymbolTable {
    /// KSYM_NAME_LEN (include/linux/kallsyms.h: 512 since 6.1, 128 before):
    /// no symbol name, and so no token of the compressed names, is longer.
    public static let nameLimit = 512

    /// Where the NUL-terminated token starting at `start` ends (the table's
    /// end if it has no NUL); nil when it is longer than `nameLimit`.
    static func tokenEnd(_ table: [UInt8], from start: Int) -> Int? {
        guard start < table.count else { return start }
        let limit = min(table.count, start + nameLimit + 1)
        let end = table.withUnsafeBytes { buf -> Int in
            guard let p = memchr(buf.baseAddress! + start, 0, limit - start) else { return limit }
            return p - UnsafeMutableRawPointer(mutating: buf.baseAddress!)
        }
        return end - start <= nameLimit ? end : nil
    }
    public let count: Int
    private let addresses: [UInt64]
    private let types: [UInt8]
    /// Expanded names (without the type letter), back to back.
    private let nameBytes: [UInt8]
    /// nameStarts[i]..<nameStarts[i+1] is symbol i's name in nameBytes.
    private let nameStarts: [UInt32]
    private var index: [Int: [Int32]]? = nil
    private var sortedForLookup: [Int]? = nil

    public struct Tables {
        public var numSyms: Int
        public var names: [UInt8]
        public var tokenTable: [UInt8]
        public var tokenIndex: [UInt16]
        public var offsets: [Int32]
        public var relativeBase: UInt64
        public var absolutePercpu: Bool
        /// 7.x (no kallsyms_relative_base): the address of kallsyms_offsets,
        /// whose entries are then place-relative (see KallsymsLayout).
        public var placeRelativeOffsets: UInt64?
        public init(numSyms: Int, names: [UInt8], tokenTable: [UInt8], tokenIndex: [UInt16],
                    offsets: [Int32], relativeBase: UInt64, absolutePercpu: Bool = true, placeRelativeOffsets: UInt64? = nil) {
            self.placeRelativeOffsets = placeRelativeOffsets
            self.numSyms = numSyms
            self.names = names
            self.tokenTable = tokenTable
            self.tokenIndex = tokenIndex
            self.offsets = offsets
            self.relativeBase = relativeBase
            self.absolutePercpu = absolutePercpu
        }
    }

    public init(_ t: Tables) throws {
        guard t.numSyms > 0, t.numSyms < 10_000_000 else {
            throw DebugInfoError.malformed(what: "kallsyms", detail: "implausible symbol count \(t.numSyms)")
        }
        guard t.offsets.count >= t.numSyms, t.tokenIndex.count == 256 else {
            throw DebugInfoError.malformed(what: "kallsyms", detail: "offset or token tables too short")
        }
        // Pre-expand the 256 tokens into (start, length) in tokenTable.
        var tokStart = [Int](repeating: 0, count: 256)
        var tokLen = [Int](repeating: 0, count: 256)
        for i in 0..<256 {
            let s = Int(t.tokenIndex[i])
            guard s < t.tokenTable.count else {
                throw DebugInfoError.malformed(what: "kallsyms_token_index", detail: "token \(i) starts past the token table")
            }
            // scripts/kallsyms.c builds tokens out of symbol names, so none is
            // longer than a name: a longer one is a corrupt table, whose names
            // would otherwise expand to megabytes each.
            guard let e = Kallsyms.tokenEnd(t.tokenTable, from: s) else {
                throw DebugInfoError.malformed(what: "kallsyms_token_table", detail: "token \(i) is longer than KSYM_NAME_LEN (\(Kallsyms.nameLimit))")
            }
            tokStart[i] = s
            tokLen[i] = e - s
        }
        var addresses = [UInt64](repeating: 0, count: t.numSyms)
        var types = [UInt8](repeating: 0, count: t.numSyms)
        var nameBytes: [UInt8] = []
        nameBytes.reserveCapacity(t.numSyms * 24)
        var starts = [UInt32](repeating: 0, count: t.numSyms + 1)
        try t.names.withUnsafeBufferPointer { names in
            try t.tokenTable.withUnsafeBufferPointer { tokens in
                var off = 0
                for i in 0..<t.numSyms {
                    guard off < names.count else {
                        throw DebugInfoError.malformed(what: "kallsyms_names", detail: "ends after \(i) of \(t.numSyms) symbols")
                    }
                    var len = Int(names[off])
                    off += 1
                    if len & 0x80 != 0 {
                        guard off < names.count else { throw DebugInfoError.malformed(what: "kallsyms_names", detail: "truncated length") }
                        len = (len & 0x7f) | (Int(names[off]) << 7)
                        off += 1
                    }
                    guard off + len <= names.count else {
                        throw DebugInfoError.malformed(what: "kallsyms_names", detail: "symbol \(i) runs past the table")
                    }
                    guard len <= Kallsyms.nameLimit else {
                        throw DebugInfoError.malformed(what: "kallsyms_names", detail: "symbol \(i) has \(len) tokens, more than KSYM_NAME_LEN allows")
                    }
                    starts[i] = UInt32(nameBytes.count)
                    var first = true
                    for k in off..<(off + len) {
                        let tok = Int(names[k])
                        let s = tokStart[tok], n = tokLen[tok]
                        var j = s
                        if first, n > 0 {
                            types[i] = tokens[s]
                            j += 1
                            first = false
                        }
                        while j < s + n { nameBytes.append(tokens[j]); j += 1 }
                    }
                    guard nameBytes.count - Int(starts[i]) <= Kallsyms.nameLimit else {
                        throw DebugInfoError.malformed(what: "kallsyms_names", detail: "symbol \(i) decodes to more than KSYM_NAME_LEN bytes")
                    }
                    off += len
                    let raw = t.offsets[i]
                    if let table = t.placeRelativeOffsets {
                        addresses[i] = table &+ UInt64(4 * i) &+ UInt64(bitPattern: Int64(raw))
                    } else if t.absolutePercpu {
                        addresses[i] = raw >= 0 ? UInt64(raw) : t.relativeBase &- 1 &- UInt64(bitPattern: Int64(raw))
                    } else {
                        addresses[i] = t.relativeBase &+ UInt64(UInt32(bitPattern: raw))
                    }
                }
            }
        }
        starts[t.numSyms] = UInt32(nameBytes.count)
        self.count = t.numSyms
        self.addresses = addresses
        self.types = types
        self.nameBytes = nameBytes
        self.nameStarts = starts
    }

    public func name(at i: Int) -> String {
        let s = Int(nameStarts[i]), e = Int(nameStarts[i + 1])
        return nameBytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[s..<e]), as: UTF8.self) }
    }

    public func symbol(at i: Int) -> Symbol {
        Symbol(name: name(at: i), address: addresses[i], type: Character(Unicode.Scalar(types[i])))
    }

    @inline(__always)
    private func hashName(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf29ce484222325
        for b in p { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return Int(bitPattern: UInt(h))
    }

    private func buildIndex() -> [Int: [Int32]] {
        var index: [Int: [Int32]] = [:]
        index.reserveCapacity(count)
        nameBytes.withUnsafeBufferPointer { all in
            for i in 0..<count {
                let h = hashName(UnsafeBufferPointer(rebasing: all[Int(nameStarts[i])..<Int(nameStarts[i + 1])]))
                index[h, default: []].append(Int32(i))
            }
        }
        return index
    }

    /// Indexes of every symbol with this name (static functions can repeat).
    public func indexes(named name: String) -> [Int] {
        if index == nil { index = buildIndex() }
        var utf8 = Array(name.utf8)
        let h = utf8.withUnsafeBufferPointer { hashName($0) }
        guard let candidates = index?[h] else { return [] }
        return candidates.compactMap { c -> Int? in
            let i = Int(c)
            let s = Int(nameStarts[i]), e = Int(nameStarts[i + 1])
            guard e - s == utf8.count else { return nil }
            let same = nameBytes.withUnsafeBufferPointer { all in
                utf8.withUnsafeMutableBufferPointer { want in
                    memcmpEqual(UnsafeBufferPointer(rebasing: all[s..<e]), UnsafeBufferPointer(want))
                }
            }
            return same ? i : nil
        }
    }

    /// Prefers a global (upper-case type) symbol when a name repeats.
    public func address(of name: String) -> UInt64? {
        let found = indexes(named: name)
        if let global = found.first(where: { types[$0] >= 65 && types[$0] <= 90 }) { return addresses[global] }
        return found.first.map { addresses[$0] }
    }

    public func addresses(of name: String) -> [UInt64] { indexes(named: name).map { addresses[$0] } }

    public func symbolize(_ address: UInt64) -> (symbol: Symbol, offset: UInt64, size: UInt64?)? {
        // Binary search for the last symbol <= address, skipping absolute per-CPU
        // offsets (small values) which are not code or data addresses.
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if addresses[mid] <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        var i = lo - 1
        // Several symbols can share an address: report the first of them.
        while i > 0 && addresses[i - 1] == addresses[i] { i -= 1 }
        let base = addresses[i]
        guard base >= 0xffff_0000_0000_0000 || address < 0x1_0000_0000 else { return nil }
        var next = lo
        while next < count && addresses[next] == base { next += 1 }
        let size: UInt64? = next < count ? addresses[next] - base : nil
        // Past the end of the last text symbol by more than its size: not ours.
        if let size, address - base >= size { return nil }
        return (symbol(at: i), address - base, size)
    }

    public var allSymbols: [Symbol] { (0..<count).map(symbol(at:)) }
}

@inline(__always)
func memcmpEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}
