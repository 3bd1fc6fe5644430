/// Kallsyms read in place, without expanding every name: the tables of
/// kernel/kallsyms.c are random-access enough to answer the few lookups a
/// query makes.
///
/// - by name: `kallsyms_seqs_of_names` (v6.2, backported to 6.1.y) lists
///   symbol indexes in name order as 3-byte big-endian numbers, so a lookup
///   is a binary search (kernel/kallsyms.c kallsyms_lookup_names);
/// - symbol `i`'s name: `kallsyms_markers[i >> 8]` is the offset of every
///   256th name, so at most 255 length-prefixed names are skipped;
/// - by address: a binary search over `kallsyms_offsets`.
///
/// Neither markers nor seqs_of_names are in VMCOREINFO; scripts/kallsyms.c
/// emits them directly before `kallsyms_token_table`, each 8-byte aligned,
/// so their places follow from the symbol count. `validate()` checks that
/// reading; when it fails (older kernels), `Kallsyms` decodes everything.
public final class LazyKallsyms: SymbolTable {
    public typealias Reader = (UInt64, Int) throws -> [UInt8]
    let read: Reader
    public let count: Int
    let namesAddress: UInt64
    let markersAddress: UInt64
    let seqsAddress: UInt64
    let offsetsAddress: UInt64
    let encoding: KallsymsLayout.Encoding
    /// Token strings, expanded once (256 small arrays).
    let tokens: [[UInt8]]
    private var groupCache: [Int: [UInt8]] = [:]
    private var full: Kallsyms?
    private let fullDecoder: () throws -> Kallsyms

    public convenience init(read: @escaping Reader, count: Int, namesAddress: UInt64, tokenTableAddress: UInt64,
                tokenTable: [UInt8], tokenIndex: [UInt16], offsetsAddress: UInt64, relativeBase: UInt64,
                fullDecoder: @escaping () throws -> Kallsyms) throws {
        // 6.1.y/6.2 order: markers, seqs_of_names, token_table (see KallsymsLayout)
        let seqs = tokenTableAddress &- UInt64((3 * count + 7) & ~7)
        try self.init(read: read, count: count, namesAddress: namesAddress, markersAddress: seqs &- UInt64(((count + 255) / 256) * 4),
                      seqsAddress: seqs, tokenTable: tokenTable, tokenIndex: tokenIndex, offsetsAddress: offsetsAddress,
                      encoding: .absolutePercpu(relativeBase: relativeBase), fullDecoder: fullDecoder)
    }

    /// Tables at known places (KallsymsLayout): every layout with seqs_of_names.
    public init(read: @escaping Reader, count: Int, namesAddress: UInt64, markersAddress: UInt64, seqsAddress: UInt64,
                tokenTable: [UInt8], tokenIndex: [UInt16], offsetsAddress: UInt64, encoding: KallsymsLayout.Encoding,
                fullDecoder: @escaping () throws -> Kallsyms) throws {
        self.read = read
        self.count = count
        self.namesAddress = namesAddress
        self.offsetsAddress = offsetsAddress
        self.encoding = encoding
        self.fullDecoder = fullDecoder
        guard count > 1, count < 5_000_000, tokenIndex.count >= 256 else {
            throw DebugInfoError.malformed(what: "kallsyms", detail: "kallsyms_num_syms is \(count)")
        }
        self.seqsAddress = seqsAddress
        self.markersAddress = markersAddress
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(256)
        for i in 0..<256 {
            let s = Int(tokenIndex[i])
            guard let end = Kallsyms.tokenEnd(tokenTable, from: s) else {
                // No token is longer than a symbol name (scripts/kallsyms.c).
                throw DebugInfoError.malformed(what: "kallsyms_token_table", detail: "token \(i) is longer than KSYM_NAME_LEN (\(Kallsyms.nameLimit))")
            }
            tokens.append(s < end ? Array(tokenTable[s..<end]) : [])
        }
        self.tokens = tokens
        try validate()
    }

    /// Checks the inferred layout: markers start at 0 and increase, the last
    /// one lies inside the names table, and the names at both ends of the
    /// sorted order are in order.
    private func validate() throws {
        // A zeroed or damaged kallsyms_num_syms must not reach marker(0) below.
        let groups = (count + 255) / 256
        guard groups > 1 else { throw DebugInfoError.malformed(what: "kallsyms_markers", detail: "\(count) symbols are too few for a kernel") }
        let markers = try read(markersAddress, groups * 4)
        func marker(_ g: Int) -> UInt32 {
            UInt32(markers[g * 4]) | UInt32(markers[g * 4 + 1]) << 8 | UInt32(markers[g * 4 + 2]) << 16 | UInt32(markers[g * 4 + 3]) << 24
        }
        guard marker(0) == 0 else { throw DebugInfoError.malformed(what: "kallsyms_markers", detail: "not where expected") }
        for g in 1..<groups where marker(g) <= marker(g - 1) {
            throw DebugInfoError.malformed(what: "kallsyms_markers", detail: "not increasing at group \(g)")
        }
        // (markers follow names in the image; a layout with them before is damaged, not a trap)
        guard markersAddress > namesAddress, UInt64(marker(groups - 1)) < markersAddress - namesAddress else {
            throw DebugInfoError.malformed(what: "kallsyms_markers", detail: "points past the names table")
        }
        // nameBytes starts with the type letter, which is not part of the sort key.
        let first = try nameBytes(index: try seq(0)).dropFirst(), second = try nameBytes(index: try seq(1)).dropFirst(),
            last = try nameBytes(index: try seq(count - 1)).dropFirst()
        guard first.lexicographicallyPrecedes(second) || first == second,
              second.lexicographicallyPrecedes(last) else {
            throw DebugInfoError.malformed(what: "kallsyms_seqs_of_names", detail: "names are not sorted")
        }
    }

    func seq(_ position: Int) throws -> Int {
        let b = try read(seqsAddress + UInt64(position * 3), 3)
        let s = Int(b[0]) << 16 | Int(b[1]) << 8 | Int(b[2])
        guard s < count else { throw DebugInfoError.malformed(what: "kallsyms_seqs_of_names", detail: "entry \(position) is \(s)") }
        return s
    }

    /// Raw bytes of the names table from marker `group` on, enough for 256 names.
    private func group(_ g: Int) throws -> [UInt8] {
        if let cached = groupCache[g] { return cached }
        let m = try read(markersAddress + UInt64(g * 4), 8)
        let start = UInt64(UInt32(m[0]) | UInt32(m[1]) << 8 | UInt32(m[2]) << 16 | UInt32(m[3]) << 24)
        var end: UInt64
        if (g + 1) * 256 < count {
            end = UInt64(UInt32(m[4]) | UInt32(m[5]) << 8 | UInt32(m[6]) << 16 | UInt32(m[7]) << 24)
        } else {
            end = markersAddress - namesAddress
        }
        guard end > start, end - start < 1 << 20 else { throw DebugInfoError.malformed(what: "kallsyms_markers", detail: "group \(g)") }
        let bytes = try read(namesAddress + start, Int(end - start))
        groupCache[g] = bytes
        return bytes
    }

    /// Type letter followed by the name of symbol `index`.
    func nameBytes(index: Int) throws -> [UInt8] {
        let bytes = try group(index >> 8)
        var off = 0
        var skip = index & 0xff
        while true {
            guard off < bytes.count else { throw DebugInfoError.malformed(what: "kallsyms_names", detail: "symbol \(index)") }
            var len = Int(bytes[off])
            off += 1
            if len & 0x80 != 0 {
                guard off < bytes.count else { throw DebugInfoError.malformed(what: "kallsyms_names", detail: "symbol \(index)") }
                len = (len & 0x7f) | Int(bytes[off]) << 7
                off += 1
            }
            if skip == 0 {
                guard off + len <= bytes.count, len <= Kallsyms.nameLimit else { throw DebugInfoError.malformed(what: "kallsyms_names", detail: "symbol \(index)") }
                var out: [UInt8] = []
                out.reserveCapacity(len * 3)
                for k in off..<(off + len) { out.append(contentsOf: tokens[Int(bytes[k])]) }
                return out
            }
            skip -= 1
            off += len
        }
    }

    func address(index: Int) throws -> UInt64 {
        let b = try read(offsetsAddress + UInt64(index * 4), 4)
        let raw = Int32(bitPattern: UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24)
        switch encoding {
        case .absolutePercpu(let rb): return raw >= 0 ? UInt64(raw) : rb &- 1 &- UInt64(bitPattern: Int64(raw))
        case .relative(let rb): return rb &+ UInt64(UInt32(bitPattern: raw))
        case .placeRelative: return offsetsAddress &+ UInt64(4 * index) &+ UInt64(bitPattern: Int64(raw))
        }
    }

    /// Indexes of all symbols with this name.
    public func indexes(named name: String) throws -> [Int] {
        let want = Array(name.utf8)
        func compare(_ position: Int) throws -> Int {
            let n = try nameBytes(index: try seq(position)).dropFirst()
            if n.elementsEqual(want) { return 0 }
            return n.lexicographicallyPrecedes(want) ? -1 : 1
        }
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if try compare(mid) < 0 { lo = mid + 1 } else { hi = mid }
        }
        var out: [Int] = []
        var p = lo
        while p < count, try compare(p) == 0 { out.append(try seq(p)); p += 1 }
        return out
    }

    public func addresses(of name: String) -> [UInt64] {
        ((try? indexes(named: name)) ?? []).compactMap { try? address(index: $0) }
    }

    public func address(of name: String) -> UInt64? {
        guard let found = try? indexes(named: name), !found.isEmpty else { return nil }
        // Prefer a global symbol (upper-case type) when a static name repeats.
        for i in found {
            if let t = try? nameBytes(index: i).first, t >= 65, t <= 90 { return try? address(index: i) }
        }
        return try? address(index: found[0])
    }

    /// By address rather than by name: the search over `kallsyms_offsets`
    /// stays within a few pages of the dump, where a search by name reads a
    /// page of seqs_of_names and one of names at every step.
    public func hasSymbol(named name: String, at address: UInt64) -> Bool {
        let want = Array(name.utf8)
        do {
            let lo = try firstIndex { $0 >= address }
            // A real kernel gives one address at most a few dozen names (zero-
            // sized markers); a corrupt table whose addresses are all equal
            // must not be read whole.
            var i = lo
            while i < count, i < lo + 1024, try self.address(index: i) == address {
                if try nameBytes(index: i).dropFirst().elementsEqual(want) { return true }
                i += 1
            }
            return false
        } catch {
            return false
        }
    }

    /// The first symbol index whose address passes `test` (which must hold
    /// for all indexes from some point on: `kallsyms_offsets` is sorted), or
    /// `count`: a binary search over the offsets table.
    private func firstIndex(where test: (UInt64) -> Bool) throws -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if try test(self.address(index: mid)) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    public func symbolize(_ address: UInt64) -> (symbol: Symbol, offset: UInt64, size: UInt64?)? {
        do {
            let lo = try firstIndex { $0 > address }
            guard lo > 0 else { return nil }
            var i = lo - 1
            let base = try self.address(index: i)
            while i > 0, try self.address(index: i - 1) == base { i -= 1 }
            guard base >= 0xffff_0000_0000_0000 || address < 0x1_0000_0000 else { return nil }
            var next = lo
            while next < count, try self.address(index: next) == base { next += 1 }
            let size: UInt64? = next < count ? try self.address(index: next) - base : nil
            if let size, address - base >= size { return nil }
            let n = try nameBytes(index: i)
            guard let type = n.first else { return nil }
            let symbol = Symbol(name: String(decoding: n.dropFirst(), as: UTF8.self), address: base,
                                type: Character(Unicode.Scalar(type)))
            return (symbol, address - base, size)
        } catch {
            return nil
        }
    }

    /// Every symbol: this one needs the full decode.
    public var allSymbols: [Symbol] {
        if full == nil { full = try? fullDecoder() }
        return full?.allSymbols ?? []
    }
}
