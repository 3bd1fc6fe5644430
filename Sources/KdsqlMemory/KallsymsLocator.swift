import KdsqlDump
import KdsqlDebugInfo

/// Finds the kallsyms tables in the kernel image of a dump without any symbol.
enum KallsymsLocator {
    typealias Reader = (UInt64, Int) throws -> [UInt8]

    struct NotFound: Error, CustomStringConvertible {
        var description: String
    }

    /// Scans the kernel image for `kallsyms_token_index` (256 u16, the first 0,
    /// strictly increasing, each one past a NUL of the token table right before
    /// it), then works outwards to the other tables, and returns the first
    /// layout whose symbols reproduce VMCOREINFO's own SYMBOL() addresses.
    static func locate(vmcoreinfo info: VMCoreInfo, read: Reader) throws -> KallsymsLayout {
        let start = info.symbol("_stext") ?? (0xffff_ffff_8100_0000 &+ info.kernelOffset)
        let span: UInt64 = 160 << 20
        let chunk = 1 << 20
        var scanned: UInt64 = 0
        var candidates = 0
        var rejected: [String] = []
        // Scan in 1 MiB chunks with an overlap of 512 bytes (one token_index).
        var va = start & ~0xfff
        var previousTail: [UInt8] = []
        var unreadable = 0
        while va < start &+ span {
            // makedumpfile leaves zero pages out, so the image has holes (the
            // 2 MiB alignment after _etext, .bss); 16 MiB in a row that the
            // dump does not have are past the end of its memory.
            guard let bytes = readTolerant(va, chunk, read: read) else {
                unreadable += 1
                if unreadable >= 16 { break }
                previousTail = []
                va &+= UInt64(chunk)
                scanned += UInt64(chunk)
                continue
            }
            unreadable = 0
            scanned += UInt64(chunk)
            let window = previousTail + bytes
            let windowBase = va &- UInt64(previousTail.count)
            var found: KallsymsLayout?
            window.withUnsafeBytes { raw in
                var off = 0
                while off + 512 <= raw.count {
                    if isTokenIndex(raw, off) {
                        candidates += 1
                        do {
                            found = try layout(tokenIndex: windowBase &+ UInt64(off), info: info, read: read)
                            return
                        } catch {
                            rejected.append("\(error)")
                        }
                    }
                    off += 8
                }
            }
            if let found { return found }
            previousTail = Array(bytes.suffix(512))
            va &+= UInt64(chunk)
        }
        var what = "searched \(scanned >> 20) MiB of the kernel image from 0x\(String(start, radix: 16)) for kallsyms_token_index: "
        what += candidates == 0 ? "no candidate" : "\(candidates) candidate(s), none matched VMCOREINFO (\(rejected.prefix(3).joined(separator: "; ")))"
        throw NotFound(description: what)
    }

    /// Reads a range page by page where a bulk read fails: pages the dump left
    /// out (zero pages filtered by makedumpfile) read as zeros; nil when no
    /// page of the range can be read.
    static func readTolerant(_ va: UInt64, _ count: Int, read: Reader) -> [UInt8]? {
        if let bytes = try? read(va, count) { return bytes }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0, any = false
        while done < count {
            let n = min(4096, count - done)
            if let page = try? read(va &+ UInt64(done), n) { out.replaceSubrange(done..<(done + n), with: page); any = true }
            done += n
        }
        return any ? out : nil
    }

    @inline(__always)
    static func u16(_ raw: UnsafeRawBufferPointer, _ off: Int) -> Int {
        Int(raw[off]) | Int(raw[off + 1]) << 8
    }

    /// Cheap test first (u16 0, then a small increasing start), then all 256.
    static func isTokenIndex(_ raw: UnsafeRawBufferPointer, _ off: Int) -> Bool {
        guard raw[off] == 0, raw[off + 1] == 0 else { return false }
        let a = u16(raw, off + 2), b = u16(raw, off + 4)
        guard a >= 2, a < 64, b > a, b < a + 64 else { return false }
        var last = b
        for i in 3..<256 {
            let v = u16(raw, off + i * 2)
            guard v > last, v - last < 256 else { return false }
            last = v
        }
        return last > 256 && last < 16384
    }

    static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    static func align8(_ v: UInt64) -> UInt64 { (v + 7) & ~7 }

    /// From a token_index candidate to a verified layout.
    static func layout(tokenIndex: UInt64, info: VMCoreInfo, read: Reader) throws -> KallsymsLayout {
        let indexBytes = try read(tokenIndex, 512)
        let index = (0..<256).map { Int(indexBytes[$0 * 2]) | Int(indexBytes[$0 * 2 + 1]) << 8 }
        // The token table ends (with at most 7 bytes of padding) where the index starts.
        let last = UInt64(index[255])
        let tableSearch = try read(tokenIndex &- last &- 72, Int(last) + 72)
        var tokenTable: UInt64?
        for pad in stride(from: 0, through: 64, by: 8) {
            let t = (tokenIndex &- last &- UInt64(pad)) & ~7
            guard t < tokenIndex, t >= tokenIndex &- last &- 72 else { continue }
            let base = Int(t - (tokenIndex &- last &- 72))
            func byte(_ i: Int) -> UInt8? { base + i < tableSearch.count ? tableSearch[base + i] : nil }
            guard byte(0) != 0 else { continue }
            var ok = true
            for i in 1..<256 where byte(index[i] - 1) != 0 { ok = false; break }
            // the last token's NUL, then only padding up to the index
            if ok, let end = (index[255]..<(tableSearch.count - base)).first(where: { byte($0) == 0 }) {
                ok = t + UInt64(end) + 1 <= tokenIndex && tokenIndex - (t + UInt64(end) + 1) < 8
            } else { ok = false }
            if ok { tokenTable = t; break }
        }
        guard let tokenTable else { throw NotFound(description: "no token table before 0x\(String(tokenIndex, radix: 16))") }

        // Markers: u32, the first 0, increasing by one group of 256 names
        // each; directly before the token table, or before seqs_of_names.
        let back = 4 << 20
        let windowStart = tokenTable &- UInt64(back)
        guard let window = readTolerant(windowStart, back, read: read) else {
            throw NotFound(description: "nothing readable before the token table at 0x\(String(tokenTable, radix: 16))")
        }
        func at(_ va: UInt64) -> Int { Int(va &- windowStart) }
        var tried: [String] = []
        // Walk back over 8-aligned zero words; each may start the markers.
        var p = UInt64(back - 8)
        while p >= 8 {
            let va = windowStart + p
            p -= 8
            guard u32(window, at(va)) == 0 else { continue }
            // Run of increasing markers from va.
            var m = 1
            var prev: UInt32 = 0
            while at(va) + (m + 1) * 4 <= window.count {
                let v = u32(window, at(va) + m * 4)
                guard v > prev, v - prev >= 256, v - prev < 256 * 1024 else { break }
                prev = v
                m += 1
            }
            guard m >= 4 else { continue }
            let markersEnd = align8(va + UInt64(m * 4))
            let seqs: UInt64?
            if markersEnd == tokenTable {
                seqs = nil
            } else {
                // seqs_of_names: 3 bytes per symbol, then the token table.
                let size = tokenTable &- markersEnd
                guard size >= UInt64((m - 1) * 256 * 3), size <= align8(UInt64(m * 256 * 3)) else { continue }
                seqs = markersEnd
            }
            // Names end at the markers; num_syms (a u32) precedes them: padded
            // to 8 bytes up to 6.x, directly before them in 7.x (the names are
            // an .incbin there, not aligned).
            let lastMarker = UInt64(prev)
            let namesMax = va &- lastMarker
            var s = namesMax & ~3
            while s + 256 * 520 > namesMax, s > windowStart + 8 {
                defer { s -= 4 }
                let packed = Int(u32(window, at(s - 4))), padded = Int(u32(window, at(s - 8)))
                let n: Int
                if packed > (m - 1) * 256, packed <= m * 256 { n = packed }
                else if s & 7 == 0, packed == 0, padded > (m - 1) * 256, padded <= m * 256 { n = padded }
                else { continue }
                if let seqs, align8(UInt64(3 * n)) != tokenTable - seqs, UInt64(3 * n) != tokenTable - seqs { continue }
                guard namesWalk(window, from: at(s), count: n, markers: (0..<m).map { u32(window, at(va) + $0 * 4) },
                                end: at(va)) else { continue }
                let base = KallsymsLayout(numSyms: n, names: s, markers: va, seqsOfNames: seqs, tokenTable: tokenTable,
                                          tokenIndex: tokenIndex, offsets: 0, encoding: .placeRelative,
                                          origin: "kallsyms found in the kernel image")
                if let verified = try verify(base, tokenIndex: index, info: info, read: read, tried: &tried) {
                    return verified
                }
            }
        }
        throw NotFound(description: "tables around token_index 0x\(String(tokenIndex, radix: 16)) do not reproduce VMCOREINFO\(tried.isEmpty ? "" : " (" + tried.prefix(3).joined(separator: "; ") + ")")")
    }

    /// Walks `count` length-prefixed names from `from`: every 256th must start
    /// at its marker and the last must end (within alignment) at `end`.
    static func namesWalk(_ w: [UInt8], from: Int, count: Int, markers: [UInt32], end: Int) -> Bool {
        var off = from
        for i in 0..<count {
            if i & 0xff == 0 { guard off - from == Int(markers[i >> 8]) else { return false } }
            guard off < end else { return false }
            var len = Int(w[off]); off += 1
            if len & 0x80 != 0 { len = (len & 0x7f) | Int(w[off]) << 7; off += 1 }
            guard len > 0 else { return false }
            off += len
        }
        return off <= end && end - off < 8
    }

    /// Tries the offset tables each layout puts in a different place and keeps
    /// the one whose addresses of VMCOREINFO's symbols match.
    static func verify(_ base: KallsymsLayout, tokenIndex index: [Int], info: VMCoreInfo, read: Reader,
                       tried: inout [String]) throws -> KallsymsLayout? {
        let n = base.numSyms
        let offsetsSize = align8(UInt64(4 * n))
        var options: [KallsymsLayout] = []
        // the early order (5.10, 6.1): offsets, relative_base, num_syms, names
        let early = base.names &- 16 &- offsetsSize
        if let rb = try? read(base.names &- 16, 8) {
            let relBase = rb.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            for enc in [KallsymsLayout.Encoding.absolutePercpu(relativeBase: relBase), .relative(relativeBase: relBase)] {
                var l = base; l.offsets = early; l.encoding = enc; options.append(l)
            }
        }
        // the later order (6.12) and 7.x: token_index (512 bytes), offsets, [relative_base,] seqs_of_names
        let late = base.tokenIndex + 512
        if let rb = try? read(late + offsetsSize, 8) {
            let relBase = rb.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            for enc in [KallsymsLayout.Encoding.absolutePercpu(relativeBase: relBase), .relative(relativeBase: relBase)] {
                var l = base; l.offsets = late; l.encoding = enc
                l.seqsOfNames = base.seqsOfNames ?? (late + offsetsSize + 8); options.append(l)
            }
        }
        var pc = base; pc.offsets = late; pc.encoding = .placeRelative
        pc.seqsOfNames = base.seqsOfNames ?? (late + UInt64(4 * n)); options.append(pc)

        // The VMCOREINFO symbols that lie in the kernel image, by name.
        var wanted: [String: UInt64] = [:]
        for (key, value) in info.entries where key.hasPrefix("SYMBOL(") && key.hasSuffix(")") {
            guard let v = UInt64(value, radix: 16), v >= 0xffff_ffff_8000_0000 else { continue }
            wanted[String(key.dropFirst(7).dropLast())] = v
        }
        guard !wanted.isEmpty else { throw NotFound(description: "VMCOREINFO lists no kernel-image SYMBOL() to check kallsyms against") }
        let indexes = try findNames(Set(wanted.keys), layout: base, tokenIndex: index, read: read)
        guard indexes.count >= 2 else {
            tried.append("only \(indexes.count) of VMCOREINFO's symbols are named in the candidate tables")
            return nil
        }
        for option in options {
            var ok = true
            for (name, i) in indexes {
                guard let raw = try? read(option.offsets + UInt64(4 * i), 4) else { ok = false; break }
                let v = Int32(bitPattern: u32(raw, 0))
                if option.address(raw: v, index: i) != wanted[name] { ok = false; break }
            }
            if ok { return option }
        }
        tried.append("no offset table gives VMCOREINFO's addresses for \(indexes.keys.sorted().prefix(4).joined(separator: ", "))")
        return nil
    }

    /// Index of each wanted name (the first, for repeated static names), by
    /// decoding every name once.
    static func findNames(_ wanted: Set<String>, layout: KallsymsLayout, tokenIndex index: [Int], read: Reader) throws -> [String: Int] {
        let tableBytes = try read(layout.tokenTable, index[255] + 256)
        let tokens: [[UInt8]] = (0..<256).map { i in
            var s = index[i], t: [UInt8] = []
            while s < tableBytes.count, tableBytes[s] != 0 { t.append(tableBytes[s]); s += 1 }
            return t
        }
        let names = try read(layout.names, Int(layout.markers - layout.names))
        let want = Dictionary(uniqueKeysWithValues: wanted.map { (Array($0.utf8), $0) })
        var found: [String: Int] = [:]
        var off = 0
        var buffer: [UInt8] = []
        for i in 0..<layout.numSyms {
            var len = Int(names[off]); off += 1
            if len & 0x80 != 0 { len = (len & 0x7f) | Int(names[off]) << 7; off += 1 }
            buffer.removeAll(keepingCapacity: true)
            for k in off..<(off + len) { buffer.append(contentsOf: tokens[Int(names[k])]) }
            off += len
            if buffer.count > 1, let name = want[Array(buffer.dropFirst())], found[name] == nil { found[name] = i }
        }
        return found
    }
}
