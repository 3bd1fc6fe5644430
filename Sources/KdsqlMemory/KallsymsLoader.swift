import Glibc
import KdsqlDump
import KdsqlDebugInfo

/// Finds the kallsyms tables — through VMCOREINFO where the kernel exports
/// them (kernel/vmcore_info.c, `SYMBOL(kallsyms_names)` & co. since 6.0), by
/// their structure in the kernel image otherwise (KallsymsLocator) — and
/// decodes them, so the dump alone is enough to get every symbol.
enum KallsymsLoader {
    /// Reads kernel-image bytes before the Kernel exists (symbols are what it is waiting for).
    static func readImage(_ va: UInt64, _ count: Int, translator: any AddressTranslator, memory: PhysicalMemory) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buf in
            while done < count {
                let a = va &+ UInt64(done)
                let n = min(translator.bytesToPageEnd(a), count - done)
                try memory.read(physical: try translator.translate(a), into: UnsafeMutableRawBufferPointer(rebasing: buf[done..<(done + n)]))
                done += n
            }
        }
        return bytes
    }

    struct Loaded {
        var symbols: any SymbolTable
        var source: String
    }

    /// Lazy lookups where the layout allows them, else a full decode.
    static func load(vmcoreinfo info: VMCoreInfo, translator: any AddressTranslator, memory: PhysicalMemory) throws -> Loaded {
        let read: (UInt64, Int) throws -> [UInt8] = { try readImage($0, $1, translator: translator, memory: memory) }
        var notes: [String] = []
        if let layout = exportedLayout(info, read: read) {
            do {
                let table = try open(layout, read: read)
                try check(table, against: info)
                return Loaded(symbols: table, source: "kallsyms (from the dump, located by VMCOREINFO)")
            } catch {
                notes.append("the kallsyms tables VMCOREINFO names did not decode (\(error))")
            }
        } else {
            notes.append(info.symbol("kallsyms_names") == nil
                ? "VMCOREINFO names no kallsyms tables (kernels before 6.0)"
                : "VMCOREINFO's kallsyms entries are incomplete")
        }
        let cache = KallsymsLayoutCache(buildID: info.buildID)
        if let layout = cache.load(kaslrOffset: info.kernelOffset),
           let table = try? open(layout, read: read), (try? check(table, against: info)) != nil {
            return Loaded(symbols: table, source: "kallsyms (from the dump, found in the kernel image)")
        }
        do {
            let layout = try KallsymsLocator.locate(vmcoreinfo: info, read: read)
            let table = try open(layout, read: read)
            try check(table, against: info)
            cache.store(layout, kaslrOffset: info.kernelOffset)
            return Loaded(symbols: table, source: "kallsyms (from the dump, found in the kernel image)")
        } catch {
            notes.append("\(error)")
        }
        throw MemoryError.missing("no kernel symbols in the dump: \(notes.joined(separator: "; ")). The kernel may be built without CONFIG_KALLSYMS_ALL; give its System.map with -m/--system-map (Debian: linux-image-\(info.osRelease ?? "KVER")-dbg has it)")
    }

    /// The layout from VMCOREINFO's SYMBOL() entries, in the table order of
    /// the kernel they come from (see KallsymsLayout).
    static func exportedLayout(_ info: VMCoreInfo, read: (UInt64, Int) throws -> [UInt8]) -> KallsymsLayout? {
        guard let names = info.symbol("kallsyms_names"), let tokenTable = info.symbol("kallsyms_token_table"),
              let tokenIndex = info.symbol("kallsyms_token_index"), let offsets = info.symbol("kallsyms_offsets"),
              let numAddress = info.symbol("kallsyms_num_syms"),
              tokenIndex > tokenTable, tokenIndex - tokenTable < 1 << 20, tokenTable > names,
              let numBytes = try? read(numAddress, 4) else { return nil }
        let count = Int(UInt32(numBytes[0]) | UInt32(numBytes[1]) << 8 | UInt32(numBytes[2]) << 16 | UInt32(numBytes[3]) << 24)
        guard count > 256, count < 10_000_000 else { return nil }
        let markersSize = UInt64(((count + 255) / 256) * 4)
        let seqsSize = UInt64((3 * count + 7) & ~7)
        func align8(_ v: UInt64) -> UInt64 { (v + 7) & ~7 }
        guard let relBaseAddress = info.symbol("kallsyms_relative_base") else {
            // 7.x: no relative base, place-relative offsets after token_index, then seqs_of_names (KallsymsLayout).
            // seqs_of_names is an .incbin there, right after the 4-byte offsets (7.3: not 8-aligned).
            return KallsymsLayout(numSyms: count, names: names, markers: tokenTable - align8(markersSize), seqsOfNames: offsets + UInt64(4 * count),
                                  tokenTable: tokenTable, tokenIndex: tokenIndex, offsets: offsets, encoding: .placeRelative,
                                  origin: "VMCOREINFO")
        }
        guard let rb = try? read(relBaseAddress, 8) else { return nil }
        let relBase = rb.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        // x86_64 SMP kernels with a relative base have CONFIG_KALLSYMS_ABSOLUTE_PERCPU.
        let encoding = KallsymsLayout.Encoding.absolutePercpu(relativeBase: relBase)
        if offsets > tokenIndex {
            // the later order (6.12): ..., token_index, offsets, relative_base, seqs_of_names
            return KallsymsLayout(numSyms: count, names: names, markers: tokenTable - align8(markersSize), seqsOfNames: relBaseAddress + 8,
                                  tokenTable: tokenTable, tokenIndex: tokenIndex, offsets: offsets, encoding: encoding, origin: "VMCOREINFO")
        }
        // the early order (6.1): markers, [seqs_of_names (6.2, 6.1.y backports),] token_table
        let seqs = tokenTable - seqsSize
        return KallsymsLayout(numSyms: count, names: names, markers: seqs - markersSize, seqsOfNames: seqs,
                              tokenTable: tokenTable, tokenIndex: tokenIndex, offsets: offsets, encoding: encoding, origin: "VMCOREINFO")
    }

    /// LazyKallsyms when its name index (seqs_of_names) checks out, else every name decoded.
    static func open(_ layout: KallsymsLayout, read: @escaping (UInt64, Int) throws -> [UInt8]) throws -> any SymbolTable {
        let full = { try decodeAll(layout, read: read) }
        if let seqs = layout.seqsOfNames {
            do {
                let indexBytes = try read(layout.tokenIndex, 512)
                return try LazyKallsyms(
                    read: read, count: layout.numSyms, namesAddress: layout.names, markersAddress: layout.markers, seqsAddress: seqs,
                    tokenTable: try read(layout.tokenTable, Int(layout.tokenIndex - layout.tokenTable)),
                    tokenIndex: (0..<256).map { UInt16(indexBytes[$0 * 2]) | UInt16(indexBytes[$0 * 2 + 1]) << 8 },
                    offsetsAddress: layout.offsets, encoding: layout.encoding, fullDecoder: full)
            } catch {
                if getenv("KDSQL_DEBUG") != nil { print("kdsql: lazy kallsyms unavailable (\(error)); decoding all symbols") }
            }
        }
        return try full()
    }

    static func decodeAll(_ layout: KallsymsLayout, read: (UInt64, Int) throws -> [UInt8]) throws -> Kallsyms {
        let num = layout.numSyms
        guard layout.markers > layout.names, layout.markers - layout.names < 64 << 20,
              layout.tokenIndex > layout.tokenTable, layout.tokenIndex - layout.tokenTable < 1 << 20 else {
            throw DebugInfoError.malformed(what: "kallsyms", detail: "tables are not laid out as scripts/kallsyms.c emits them")
        }
        let names = try read(layout.names, Int(layout.markers - layout.names))
        let tokenTable = try read(layout.tokenTable, Int(layout.tokenIndex - layout.tokenTable))
        let tokenIndexBytes = try read(layout.tokenIndex, 512)
        let tokenIndex = (0..<256).map { UInt16(tokenIndexBytes[$0 * 2]) | UInt16(tokenIndexBytes[$0 * 2 + 1]) << 8 }
        let offsetBytes = try read(layout.offsets, num * 4)
        let offsets = offsetBytes.withUnsafeBytes { raw in
            (0..<num).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        }
        var tables = Kallsyms.Tables(numSyms: num, names: names, tokenTable: tokenTable, tokenIndex: tokenIndex,
                                     offsets: offsets, relativeBase: 0)
        switch layout.encoding {
        case .absolutePercpu(let rb): tables.relativeBase = rb; tables.absolutePercpu = true
        case .relative(let rb): tables.relativeBase = rb; tables.absolutePercpu = false
        case .placeRelative: tables.placeRelativeOffsets = layout.offsets
        }
        return try Kallsyms(tables)
    }

    /// Accepts a symbol table only when it gives VMCOREINFO's own addresses
    /// for the kernel-image symbols VMCOREINFO lists (at least two of them).
    /// Three agreeing names, far apart in the table, settle it; after the
    /// first they are looked up by address: the lookups search compressed
    /// pages of the dump, and seven of them by name were 4% of the seed
    /// question.
    static func check(_ table: any SymbolTable, against info: VMCoreInfo) throws {
        var matched: [String] = []
        for name in ["_stext", "init_uts_ns", "swapper_pg_dir", "init_top_pgt", "node_data", "mem_section", "vmap_area_list"]
            where matched.count < 3 {
            guard let want = info.symbol(name), want >= 0xffff_ffff_8000_0000 else { continue }
            // The first name goes the way every later lookup will (by name,
            // through seqs_of_names); the others by address.
            if !matched.isEmpty, table.hasSymbol(named: name, at: want) {
                matched.append(name)
                continue
            }
            guard let got = table.address(of: name) else { continue }
            guard got == want else {
                throw DebugInfoError.mismatch("kallsyms gives \(name) = 0x\(String(got, radix: 16)), VMCOREINFO 0x\(String(want, radix: 16))")
            }
            matched.append(name)
        }
        guard matched.count >= 2 else {
            throw DebugInfoError.mismatch("kallsyms names only \(matched.count) of VMCOREINFO's kernel-image symbols")
        }
    }
}
