#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A kdump-compressed ("diskdump") dump: makedumpfile -c/-l/-p/-z or no
/// compression flag, QEMU dump-guest-memory kdump-*, or (through
/// `FlattenedByteSource`) a makedumpfile -F stream.
///
/// Layout (makedumpfile diskdump_mod.h, crash diskdump.h), in blocks of
/// `block_size` bytes:
///
///     block 0                      struct disk_dump_header
///     block 1 .. sub_hdr_size      struct kdump_sub_header (+ ELF notes,
///                                  VMCOREINFO, eraseinfo at their offsets)
///     next bitmap_blocks blocks    1st bitmap (pages that exist), then
///                                  2nd bitmap (pages that were dumped)
///     then                         page_desc[one per dumped page, pfn order]
///     then                         page data
///
/// The descriptor of a dumped pfn is number popcount(2nd bitmap below pfn):
/// a prefix-popcount array (one UInt32 per bitmap word) built at open makes
/// that O(1).
public final class KdumpCompressedFile: DumpFile {
    public let path: String
    public let format: DumpFormat
    public let notes: [ElfNote]
    public let vmcoreinfo: String?
    public let header: DumpHeaderInfo
    public let physicalLimit: UInt64
    /// disk_dump_header.header_version (0–6).
    public let headerVersion: Int
    /// Compression announced by disk_dump_header.status (pages carry their own flags).
    public let compression: KdumpCompression
    /// Number of pages the dump holds.
    public let presentPageCount: Int
    /// True when `kdump_sub_header.split` says this file is one part of a split dump.
    public let isSplit: Bool
    public let openWarnings: [String]
    public let truncation: DumpTruncation?
    /// The bitmap's page count does not match the descriptor table (see init).
    public private(set) var inconsistentDescriptors = false

    let source: any ByteSource
    let blockSize: Int
    let pageShift: UInt64
    let maxMapnr: UInt64
    /// Dump covers pfns [startPfn, endPfn) (all of them unless split).
    let startPfn: UInt64
    let endPfn: UInt64
    let validBitmap: [UInt64]
    let dumpableBitmap: [UInt64]
    /// rank[w] = dumped pages in bitmap words 0..<w (count + 1 entries).
    let rank: [UInt32]
    /// Descriptor number of startPfn (split dumps count from there).
    let rankBase: UInt32
    let descriptorTable: UInt64
    let flattenedRecords: Int?

    private let cache: PageCache
    /// Which library inflates zlib pages (libdeflate unless a test or
    /// benchmark asks for zlib alone).
    let zlibBackend: ZlibBackend
    private let decompressor: PageDecompressor
    /// The page read last: repeated reads of one page (a walker reading the
    /// fields of one struct) skip the cache, which also keeps them from
    /// counting as re-use in the 2Q policy.
    private var lastPfn = UInt64.max
    private var lastPage: UnsafeRawPointer?
    /// Holds a page's stored bytes when they are not contiguous in the source.
    private var scratch: UnsafeMutableRawBufferPointer
    /// Decodes the rest of a missed page's block on another core (ReadAhead);
    /// started after `readAheadAfter` misses, when the dump and machine allow.
    private var readAhead: ReadAhead?
    /// Misses to go before the worker starts (tests set 1, or .max for
    /// never): 2,048 pages (8 MiB decoded) is a long scan; a question like the
    /// seed's (a few hundred misses) is over before a thread would pay.
    var readAheadAfter = 2048
    /// Tests set true to start the worker whatever the machine's load.
    var readAheadIgnoresLoad = false
    /// Whether a read-ahead worker is running.
    var readsAhead: Bool { readAhead != nil }

    /// Size of `struct disk_dump_header` on a 64-bit machine (tasks[] is empty).
    static let headerSize = 464
    /// `struct page_desc`: off_t offset, u32 size, u32 flags, u64 page_flags.
    static let descriptorSize = 24

    public convenience init(path: String, cacheBytes: Int = 64 << 20, zlibBackend: ZlibBackend = .default) throws {
        try self.init(source: MappedFile(path: path), path: path, cacheBytes: cacheBytes, zlibBackend: zlibBackend)
    }

    /// Opens the kdump held by `source`; `flattenedRecords` is set when it is
    /// the payload of a makedumpfile -F stream.
    init(source: any ByteSource, path: String, cacheBytes: Int, flattenedRecords: Int? = nil,
         zlibBackend: ZlibBackend = .default) throws {
        self.zlibBackend = zlibBackend
        decompressor = PageDecompressor(zlibBackend: zlibBackend)
        self.source = source
        self.path = path
        self.flattenedRecords = flattenedRecords
        let fileSize = source.size
        guard fileSize >= UInt64(KdumpCompressedFile.headerSize) else {
            throw DumpError.truncated(what: "kdump disk_dump_header", offset: 0, fileSize: fileSize)
        }
        let head = try source.array(at: 0, count: KdumpCompressedFile.headerSize, what: "kdump disk_dump_header")
        func u32(_ o: Int) -> UInt32 {
            UInt32(head[o]) | UInt32(head[o + 1]) << 8 | UInt32(head[o + 2]) << 16 | UInt32(head[o + 3]) << 24
        }
        func text(_ o: Int, _ n: Int) -> String? {
            let s = String(decoding: head[o..<(o + n)].prefix { $0 != 0 }, as: UTF8.self)
            return s.isEmpty ? nil : s
        }
        guard head.starts(with: Array("KDUMP   ".utf8)) else {
            throw DumpError.notADump(path: path, found: "no KDUMP signature")
        }
        // new_utsname: six char[65] from offset 12.
        let machine = text(12 + 4 * 65, 65)
        if let machine, machine != "x86_64" {
            throw DumpError.notADump(path: path, found: "kdump of a \(machine) machine (only x86_64 is supported)")
        }
        let version = Int32(bitPattern: u32(8))
        guard version >= 0 && version < 0x100 else {
            throw DumpError.corrupt(what: "kdump header_version \(version) (a big-endian or 32-bit dump? only 64-bit little-endian x86_64 dumps are supported)", offset: 8)
        }
        var warnings: [String] = []
        var effectiveVersion = version
        // After utsname (ends at 402) comes struct timeval, 8-aligned on a
        // 64-bit machine: 408..424; then the u32/int fields.
        let status = u32(424)
        let block = Int32(bitPattern: u32(428))
        let subHeaderBlocks = Int32(bitPattern: u32(432))
        let bitmapBlocks = u32(436)
        let headerMaxMapnr = u32(440)
        let nrCpus = Int32(bitPattern: u32(460))
        guard block == 4096 else {
            throw DumpError.corrupt(what: "kdump block_size \(block) (x86_64 dumps use 4096; a 32-bit dump header would put it elsewhere)", offset: 428)
        }
        blockSize = Int(block)
        pageShift = 12
        guard subHeaderBlocks >= 1, subHeaderBlocks < 1 << 20 else {
            throw DumpError.corrupt(what: "kdump sub_hdr_size \(subHeaderBlocks)", offset: 432)
        }
        compression = KdumpCompression(rawValue: status).intersection(.methods)
        // diskdump_mod.h DUMP_DH_*: zlib 0x1, lzo 0x2, snappy 0x4, incomplete 0x8,
        // excluded vmemmap 0x10, zstd 0x20. Nothing else is ever written.
        let knownStatus: UInt32 = 0x3f
        if status & ~knownStatus != 0 {
            warnings.append("kdump header status 0x\(String(status, radix: 16)) has bits makedumpfile never writes (0x\(String(status & ~knownStatus, radix: 16))): the header may be damaged")
        } else if compression.rawValue.nonzeroBitCount > 1 {
            warnings.append("kdump header status 0x\(String(status, radix: 16)) names more than one compression method (\(compression)): the header may be damaged; each page's own flags are used")
        }
        if status & 0x8 != 0 {
            warnings.append("makedumpfile marked this dump incomplete (DUMP_DH_COMPRESSED_INCOMPLETE: it ran out of space); pages it did not write read as excluded")
        }

        // struct kdump_sub_header, block 1; fields appear by header_version.
        let sub = UInt64(blockSize)
        let subEnd = sub + UInt64(subHeaderBlocks) * UInt64(blockSize)
        guard subEnd <= fileSize else {
            throw DumpError.truncated(what: "kdump sub-header", offset: sub, fileSize: fileSize)
        }
        func field(_ o: UInt64) throws -> UInt64 {
            try source.littleEndian(at: sub + o, as: UInt64.self, what: "kdump sub-header")
        }
        var info = DumpHeaderInfo()
        info.release = text(12 + 2 * 65, 65)
        info.version = text(12 + 3 * 65, 65)
        info.nodename = text(12 + 1 * 65, 65)
        info.machine = machine ?? "x86_64"
        info.cpuCount = nrCpus > 0 ? Int(nrCpus) : nil
        info.pageSize = blockSize
        info.physBase = try field(0)
        // makedumpfile writes header_version 6 (since 1.5.4); the fields of
        // each version are listed in diskdump_mod.h struct kdump_sub_header.
        if version > 6 {
            warnings.append("kdump header_version \(version) is newer than any kdsql knows (6): the fields of version 6 are read; the header may be damaged")
            effectiveVersion = 6
        } else if version < 6, headerMaxMapnr != 0, UInt64(subHeaderBlocks) * UInt64(blockSize) >= 104,
                  try field(96) == UInt64(headerMaxMapnr), try field(32) >= sub + 104 {
            // An older header ends before byte 96 and its VMCOREINFO text
            // follows it; a max_mapnr_64 equal to max_mapnr there means the
            // version-6 fields are present and the version number is wrong.
            warnings.append("kdump header_version \(version) disagrees with its sub-header, which carries the fields of version 6; reading it as version 6")
            effectiveVersion = 6
        }
        headerVersion = Int(version)
        var split = false
        var start: UInt64 = 0
        var end: UInt64 = UInt64(headerMaxMapnr)
        var mapnr = UInt64(headerMaxMapnr)
        if effectiveVersion >= 1 {
            info.dumpLevel = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: try field(8))))
        }
        if effectiveVersion >= 2 {
            split = UInt32(truncatingIfNeeded: try field(8) >> 32) != 0
            start = try field(16)
            end = try field(24)
        }
        var vmcoreinfoText: String?
        if effectiveVersion >= 3 {
            let off = try field(32), size = try field(40)
            if size > 0 {
                guard size < 1 << 24 else { throw DumpError.corrupt(what: "kdump size_vmcoreinfo \(size)", offset: sub + 40) }
                guard off <= fileSize, size <= fileSize - off else {
                    throw DumpError.truncated(what: "kdump VMCOREINFO", offset: off, fileSize: fileSize)
                }
                let bytes = try source.array(at: off, count: Int(size), what: "kdump VMCOREINFO")
                vmcoreinfoText = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        var notes: [ElfNote] = []
        if effectiveVersion >= 4 {
            let off = try field(48), size = try field(56)
            if size > 0 {
                guard size < 1 << 26 else { throw DumpError.corrupt(what: "kdump size_note \(size)", offset: sub + 56) }
                guard off <= fileSize, size <= fileSize - off else {
                    throw DumpError.truncated(what: "kdump ELF notes", offset: off, fileSize: fileSize)
                }
                notes = try ElfNoteParser.parse(try source.array(at: off, count: Int(size), what: "kdump ELF notes"), fileOffset: off)
            }
        }
        if effectiveVersion >= 6 {
            start = try field(80)
            end = try field(88)
            mapnr = try field(96)
        }
        if !split {
            start = 0
            end = mapnr
        }
        guard mapnr > 0, mapnr <= 1 << 40, start <= end, end <= mapnr else {
            throw DumpError.corrupt(what: "kdump page range (max_mapnr \(mapnr), pfns \(start)..<\(end))", offset: sub)
        }
        maxMapnr = mapnr
        startPfn = start
        endPfn = end
        isSplit = split

        // Bitmaps. crash (diskdump.c) and makedumpfile: two bitmaps of
        // bitmap_blocks/2 blocks each when they fit, else one shared.
        let bitmapOffset = subEnd
        let bitmapBytes = UInt64(bitmapBlocks) * UInt64(blockSize)
        let needed = (mapnr + 7) / 8
        let oneBitmapBlocks = (needed + UInt64(blockSize) - 1) / UInt64(blockSize)
        let twoBitmaps = UInt64(bitmapBlocks) >= oneBitmapBlocks * 2
        guard twoBitmaps || UInt64(bitmapBlocks) >= oneBitmapBlocks else {
            throw DumpError.corrupt(what: "kdump bitmap_blocks \(bitmapBlocks) (too small for \(mapnr) pages)", offset: 436)
        }
        guard bitmapOffset <= fileSize, bitmapBytes <= fileSize - bitmapOffset else {
            throw DumpError.truncated(what: "kdump bitmaps", offset: bitmapOffset, fileSize: fileSize)
        }
        let words = Int((mapnr + 63) / 64)
        func loadBitmap(at offset: UInt64) throws -> [UInt64] {
            var w = [UInt64](repeating: 0, count: words)
            try w.withUnsafeMutableBytes { raw in
                try source.copy(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<Int(needed)]), what: "kdump bitmap")
            }
            for i in w.indices { w[i] = UInt64(littleEndian: w[i]) }
            // Bits past max_mapnr mean nothing.
            if mapnr % 64 != 0 { w[words - 1] &= (1 << (mapnr % 64)) - 1 }
            return w
        }
        validBitmap = try loadBitmap(at: bitmapOffset)
        dumpableBitmap = twoBitmaps ? try loadBitmap(at: bitmapOffset + bitmapBytes / 2) : validBitmap
        var rank = [UInt32](repeating: 0, count: words + 1)
        var total: UInt32 = 0
        for i in 0..<words {
            rank[i] = total
            total &+= UInt32(dumpableBitmap[i].nonzeroBitCount)
        }
        rank[words] = total
        self.rank = rank
        descriptorTable = bitmapOffset + bitmapBytes
        // Split dumps number their descriptors from start_pfn (crash diskdump.c pfn_to_pos).
        let base = KdumpCompressedFile.rankOf(start, bitmap: dumpableBitmap, rank: rank)
        rankBase = base
        presentPageCount = Int(KdumpCompressedFile.rankOf(end, bitmap: dumpableBitmap, rank: rank) - base)

        // A file cut short (full /var/crash, interrupted copy): the headers
        // promise page data past its end. What survives is read; the rest
        // reads as missing.
        let promisedDescriptors = descriptorTable + UInt64(presentPageCount) * UInt64(KdumpCompressedFile.descriptorSize)
        var truncation: DumpTruncation?
        if presentPageCount > 0 {
            // Page data follows pfn order, except that zero pages share one
            // stored page near the start: the furthest end among the last
            // descriptors is where the file must reach.
            var lastEnd: UInt64 = 0
            if promisedDescriptors <= fileSize {
                let tail = min(presentPageCount, 4096)
                let d = KdumpCompressedFile.descriptorSize
                if let bytes = try? source.array(at: promisedDescriptors - UInt64(tail * d), count: tail * d, what: "kdump page descriptors") {
                  bytes.withUnsafeBytes { raw in
                    for k in 0..<tail {
                        let o = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k * d, as: UInt64.self))
                        let n = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * d + 8, as: UInt32.self)))
                        lastEnd = max(lastEnd, o <= UInt64.max - n ? o + n : UInt64.max)
                    }
                  }
                } else {
                    lastEnd = UInt64.max  // a hole in a cut flattened stream
                }
            }
            if promisedDescriptors > fileSize || lastEnd > fileSize {
                truncation = KdumpCompressedFile.measureTruncation(
                    source: source, table: descriptorTable, count: presentPageCount,
                    expected: max(promisedDescriptors, lastEnd == UInt64.max ? 0 : lastEnd))
            }
        }
        self.truncation = truncation
        if let truncation { warnings.append("\(truncation)") }
        // makedumpfile writes the page data right after the descriptor table
        // (write_kdump_pages: offset_data = table + count * sizeof(page_desc)),
        // so the lowest data offset is where the table ends. Otherwise the
        // bitmap and the descriptors disagree on how many pages were dumped,
        // and every page after the difference would read another's bytes.
        if presentPageCount > 0, truncation == nil {
            let head = min(presentPageCount, 4096), d = KdumpCompressedFile.descriptorSize
            if let bytes = try? source.array(at: descriptorTable, count: head * d, what: "kdump page descriptors") {
                var lowest = UInt64.max
                bytes.withUnsafeBytes { raw in
                    for k in 0..<head { lowest = min(lowest, UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k * d, as: UInt64.self))) }
                }
                if lowest != promisedDescriptors {
                    warnings.append("kdump bitmap and page descriptors disagree: the bitmap counts \(presentPageCount) dumped pages, so page data should start at offset \(promisedDescriptors), but it starts at \(lowest); pages may read another page's bytes")
                    inconsistentDescriptors = true
                }
            }
        }
        self.openWarnings = warnings

        if let vmcoreinfoText, !notes.contains(where: { $0.name == "VMCOREINFO" }) {
            notes.append(ElfNote(name: "VMCOREINFO", type: 0, descriptor: Array(vmcoreinfoText.utf8)))
        }
        self.notes = notes
        self.vmcoreinfo = vmcoreinfoText ?? notes.first { $0.name == "VMCOREINFO" }.map {
            String(decoding: $0.descriptor.prefix { $0 != 0 }, as: UTF8.self)
        }
        if info.cpuCount == nil {
            info.cpuCount = notes.filter { $0.name == "CORE" && $0.type == ElfNote.ntPrstatus }.count
        }
        header = info
        physicalLimit = mapnr << 12
        let name = compression.description
        format = flattenedRecords == nil ? .kdumpCompressed(compression: name) : .flattened(compression: name)
        cache = PageCache(capacityBytes: cacheBytes, pageSize: blockSize)
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * blockSize, alignment: 16)
    }

    deinit {
        readAhead?.stop()
        scratch.deallocate()
    }

    /// Counts the dumped pages whose descriptor or data lies past the end of
    /// the file (one pass over the surviving descriptors, only for cut files).
    static func measureTruncation(source: any ByteSource, table: UInt64, count: Int, expected: UInt64) -> DumpTruncation {
        let size = source.size
        let d = UInt64(descriptorSize)
        let surviving = table >= size ? 0 : Int(min(UInt64(count), (size - table) / d))
        var missing = count - surviving
        var expectedEnd = expected
        let chunk = 4096
        var i = 0
        while i < surviving {
            let n = min(chunk, surviving - i)
            // A cut flattened stream can lose records in the middle too.
            guard let bytes = try? source.array(at: table + UInt64(i) * d, count: n * Int(d), what: "kdump page descriptors") else {
                missing += n
                i += n
                continue
            }
            bytes.withUnsafeBytes { raw in
                for k in 0..<n {
                    let o = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k * Int(d), as: UInt64.self))
                    let len = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * Int(d) + 8, as: UInt32.self)))
                    if o > size || len > size - o {
                        missing += 1
                        // Descriptors past a sane bound are damage, not a promise.
                        if o < 1 << 50, len <= 8192 { expectedEnd = max(expectedEnd, o + len) }
                    }
                }
            }
            i += n
        }
        return DumpTruncation(fileSize: size, expectedSize: max(expectedEnd, size), missingPages: missing, dumpedPages: count)
    }

    /// Number of dumped pages below `pfn`.
    @inline(__always)
    static func rankOf(_ pfn: UInt64, bitmap: [UInt64], rank: [UInt32]) -> UInt32 {
        let w = Int(pfn >> 6)
        if w >= bitmap.count { return rank[bitmap.count] }
        let below = bitmap[w] & ((1 << (pfn & 63)) &- 1)
        return rank[w] &+ UInt32(below.nonzeroBitCount)
    }

    /// One line for the `sys` table, e.g. "kdump-compressed (zlib), header v6, dump level 31".
    public var summary: String {
        var s = format.description + ", header v\(headerVersion)"
        if let level = header.dumpLevel { s += ", dump level \(level)" }
        if isSplit { s += ", split part (pfns 0x\(String(startPfn, radix: 16))..<0x\(String(endPfn, radix: 16)))" }
        if let n = flattenedRecords { s += ", \(n) records" }
        return s
    }

    /// Whether the dump holds page frame `pfn`.
    @inline(__always)
    public func isPresent(pfn: UInt64) -> Bool {
        pfn >= startPfn && pfn < endPfn && dumpableBitmap[Int(pfn >> 6)] & (1 << (pfn & 63)) != 0
    }

    public func read(physical address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
        guard let dst = buffer.baseAddress else { return }
        let total = buffer.count
        let mask = UInt64(blockSize - 1)
        var done = 0
        while done < total {
            let pa = address &+ UInt64(done)
            let within = Int(pa & mask)
            let n = min(total - done, blockSize - within)
            let page = try page(pfn: pa >> pageShift, address: pa)
            (dst + done).copyMemory(from: page + within, byteCount: n)
            done += n
        }
    }

    public var cacheStats: PageCacheStats {
        var s = cache.stats
        if let readAhead {
            let (decoded, used) = readAhead.counts
            s.readAheadDecoded = UInt64(decoded)
            s.readAheadUsed = UInt64(used)
        }
        return s
    }

    public func presentPageFrames() -> [UInt64] {
        var pfns: [UInt64] = []
        pfns.reserveCapacity(presentPageCount)
        for (w, word) in dumpableBitmap.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                let pfn = UInt64(w) << 6 | UInt64(bits.trailingZeroBitCount)
                if pfn >= startPfn && pfn < endPfn { pfns.append(pfn) }
                bits &= bits &- 1
            }
        }
        return pfns
    }

    // MARK: - Pages

    @inline(__always)
    private func page(pfn: UInt64, address: UInt64) throws -> UnsafeRawPointer {
        if pfn == lastPfn, let p = lastPage {
            cache.countHit()
            return p
        }
        let p = try cache.lookup(pfn) ?? load(pfn: pfn, address: address)
        lastPfn = pfn
        lastPage = p
        return p
    }

    /// `page_desc` of a dumped pfn: where its stored bytes are, how many, and
    /// how they are compressed (`KdumpCompression` bits). Checked against the
    /// file size. Callers other than the reader: diagnostics and benchmarks.
    public func descriptor(pfn: UInt64) throws -> (offset: UInt64, size: Int, flags: UInt32) {
        guard isPresent(pfn: pfn) else { throw DumpError.pageExcluded(physicalAddress: pfn << pageShift) }
        let index = KdumpCompressedFile.rankOf(pfn, bitmap: dumpableBitmap, rank: rank) &- rankBase
        let at = descriptorTable + UInt64(index) * UInt64(KdumpCompressedFile.descriptorSize)
        var desc: (UInt64, UInt32, UInt32, UInt64) = (0, 0, 0, 0)
        if truncation != nil, at > source.size || UInt64(KdumpCompressedFile.descriptorSize) > source.size - at {
            throw DumpError.pageMissing(physicalAddress: pfn << pageShift)
        }
        do {
            try withUnsafeMutableBytes(of: &desc) { try source.copy(at: at, into: $0, what: "kdump page descriptor") }
        } catch DumpError.truncated where truncation != nil {
            throw DumpError.pageMissing(physicalAddress: pfn << pageShift)
        }
        let offset = UInt64(littleEndian: desc.0)
        let size = Int(UInt32(littleEndian: desc.1))
        let flags = UInt32(littleEndian: desc.2)
        guard size > 0, size <= 2 * blockSize, offset >= descriptorTable else {
            throw DumpError.corrupt(what: "page descriptor of pfn 0x\(String(pfn, radix: 16)) (offset \(offset), size \(size))", offset: at)
        }
        guard offset <= source.size, UInt64(size) <= source.size - offset else {
            if truncation != nil { throw DumpError.pageMissing(physicalAddress: pfn << pageShift) }
            throw DumpError.corrupt(what: "page descriptor of pfn 0x\(String(pfn, radix: 16)) (offset \(offset), size \(size) lies past the end of the \(source.size)-byte file)", offset: at)
        }
        return (offset, size, flags)
    }

    // MARK: - Read-ahead

    /// The slab allocator's largest usual block: 8 pages (order 3). Blocks are
    /// aligned to their size in physical memory.
    static let readAheadBlock: UInt64 = 8

    /// Asks for the other pages of `pfn`'s block that are dumped and not cached.
    private func askAhead(_ readAhead: ReadAhead, around pfn: UInt64) {
        let first = pfn & ~(Self.readAheadBlock - 1)
        var wanted: [UInt64] = []
        wanted.reserveCapacity(Int(Self.readAheadBlock))
        for q in first..<(first + Self.readAheadBlock) where q != pfn && isPresent(pfn: q) && !cache.contains(q) {
            wanted.append(q)
        }
        if !wanted.isEmpty { readAhead.request(wanted) }
    }

    /// A started read-ahead worker, or nil where it cannot pay: no core to
    /// spare (one usable CPU, or the others busy: ReadAhead.hasSpareCore),
    /// pages stored without compression (nothing to save), a source that is
    /// not one plain mapped file (a -F stream's reader is not shared across
    /// threads), or `KDSQL_READAHEAD=0` (to compare).
    private func startReadAhead() -> ReadAhead? {
        if let v = getenv("KDSQL_READAHEAD"), String(cString: v) == "0" { return nil }
        guard !compression.isEmpty, let mapped = source as? MappedFile else { return nil }
        guard readAheadIgnoresLoad ? ReadAhead.usableCPUs() >= 2 : ReadAhead.hasSpareCore() else { return nil }
        let worker = ReadAheadDecoder(file: self, source: mapped, decompressor: PageDecompressor(zlibBackend: zlibBackend))
        let readAhead = ReadAhead(pageSize: blockSize) { pfn, page in worker.decode(pfn, into: page) }
        return readAhead.start() ? readAhead : nil
    }

    public func storedBytesFingerprint(physical: UInt64, count: Int) throws -> UInt64? {
        var fp = Fingerprint()
        let first = physical >> pageShift, end = (physical + UInt64(count) + UInt64(blockSize) - 1) >> pageShift
        for pfn in first..<end {
            let (offset, size, flags) = try descriptor(pfn: pfn)
            fp.add(UInt64(size) << 32 | UInt64(flags))
            if let bytes = source.contiguousBytes(at: offset, count: size) {
                fp.add(bytes)
            } else {
                let part = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<size])
                try source.copy(at: offset, into: part, what: "page data")
                fp.add(UnsafeRawBufferPointer(part))
            }
        }
        return fp.value
    }

    private func load(pfn: UInt64, address: UInt64) throws -> UnsafeRawPointer {
        guard pfn < maxMapnr else { throw DumpError.notInDump(physicalAddress: address) }
        guard isPresent(pfn: pfn) else {
            if validBitmap[Int(pfn >> 6)] & (1 << (pfn & 63)) == 0 && !isSplit {
                throw DumpError.notInDump(physicalAddress: address)
            }
            throw DumpError.pageExcluded(physicalAddress: address)
        }
        if let readAhead {
            defer { askAhead(readAhead, around: pfn) }
            if let slot = readAhead.claim(pfn) {
                let page = cache.insert(pfn) { dst in readAhead.copy(slot: slot, into: dst) }
                readAhead.release(slot)
                cache.countDecoded(bytes: blockSize)
                return page
            }
        } else if readAheadAfter > 0 {
            readAheadAfter -= 1
            if readAheadAfter == 0 { readAhead = startReadAhead() }
        }
        let (offset, size, flags) = try descriptor(pfn: pfn)
        let stored: UnsafeRawBufferPointer
        if let direct = source.contiguousBytes(at: offset, count: size) {
            stored = direct
        } else {
            let part = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<size])
            do {
                try source.copy(at: offset, into: part, what: "page data")
            } catch DumpError.truncated where truncation != nil {
                throw DumpError.pageMissing(physicalAddress: address)
            }
            stored = UnsafeRawBufferPointer(part)
        }
        let page = try cache.insert(pfn) { dst in
            try decompressor.decode(flags: flags, source: stored, into: dst, pfn: pfn, fileOffset: offset)
        }
        cache.countDecoded(bytes: blockSize)
        return page
    }
}

/// The worker thread's side of a kdump file: its own decompressor, and only
/// the reader's immutable state (bitmaps, descriptor table, the mapped file).
/// `unowned(unsafe)`: the file stops its ReadAhead (joining the thread) in
/// its deinit, before any of that goes away.
private struct ReadAheadDecoder: @unchecked Sendable {
    unowned(unsafe) let file: KdumpCompressedFile
    let source: MappedFile
    let decompressor: PageDecompressor

    func decode(_ pfn: UInt64, into page: UnsafeMutableRawBufferPointer) -> Bool {
        guard let (offset, size, flags) = try? file.descriptor(pfn: pfn),
              let stored = source.contiguousBytes(at: offset, count: size) else { return false }
        return (try? decompressor.decode(flags: flags, source: stored, into: page, pfn: pfn, fileOffset: offset)) != nil
    }
}
