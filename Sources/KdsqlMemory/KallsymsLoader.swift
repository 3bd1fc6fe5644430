import Glibc
import KdsqlDump
import KdsqlDebugInfo

/// Finds the kallsyms tables through VMCOREINFO (kernel/vmcore_info.c exports
/// `SYMBOL(kallsyms_names)` & co. since 6.0 for exactly this) and decodes them,
/// so the dump alone is enough to get every symbol.
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

    /// Lazy lookups where the layout allows them, else a full decode.
    static func load(vmcoreinfo info: VMCoreInfo, translator: any AddressTranslator, memory: PhysicalMemory) throws -> any SymbolTable {
        func read(_ va: UInt64, _ count: Int) throws -> [UInt8] {
            try readImage(va, count, translator: translator, memory: memory)
        }
        let full = { try loadFull(vmcoreinfo: info, translator: translator, memory: memory) }
        guard let names = info.symbol("kallsyms_names"), let tokenTable = info.symbol("kallsyms_token_table"),
              let tokenIndex = info.symbol("kallsyms_token_index"), let offsets = info.symbol("kallsyms_offsets"),
              let relBase = info.symbol("kallsyms_relative_base"), let num = info.symbol("kallsyms_num_syms"),
              tokenIndex > tokenTable, tokenIndex - tokenTable < 1 << 20 else { return try full() }
        do {
            let count = Int(try memory.readInteger(physical: try translator.translate(num), as: UInt32.self))
            let indexBytes = try read(tokenIndex, 512)
            return try LazyKallsyms(
                read: read, count: count, namesAddress: names, tokenTableAddress: tokenTable,
                tokenTable: try read(tokenTable, Int(tokenIndex - tokenTable)),
                tokenIndex: (0..<256).map { UInt16(indexBytes[$0 * 2]) | UInt16(indexBytes[$0 * 2 + 1]) << 8 },
                offsetsAddress: offsets,
                relativeBase: try memory.readInteger(physical: try translator.translate(relBase), as: UInt64.self),
                fullDecoder: full)
        } catch {
            if getenv("KDSQL_DEBUG") != nil { print("kdsql: lazy kallsyms unavailable (\(error)); decoding all symbols") }
            return try full()
        }
    }

    static func loadFull(vmcoreinfo info: VMCoreInfo, translator: any AddressTranslator, memory: PhysicalMemory) throws -> Kallsyms {
        func sym(_ name: String) throws -> UInt64 {
            guard let a = info.symbol(name) else {
                throw MemoryError.missing("VMCOREINFO has no SYMBOL(\(name)): this kernel predates kallsyms in VMCOREINFO (6.0); give its System.map with --system-map")
            }
            return a
        }
        func read(_ va: UInt64, _ count: Int) throws -> [UInt8] {
            try readImage(va, count, translator: translator, memory: memory)
        }
        let namesAddr = try sym("kallsyms_names")
        let tokenTableAddr = try sym("kallsyms_token_table")
        let tokenIndexAddr = try sym("kallsyms_token_index")
        let offsetsAddr = try sym("kallsyms_offsets")
        let relBaseAddr = try sym("kallsyms_relative_base")
        let numAddr = try sym("kallsyms_num_syms")
        let num = Int(try memory.readInteger(physical: try translator.translate(numAddr), as: UInt32.self))
        guard num > 0, num < 5_000_000 else {
            throw DebugInfoError.malformed(what: "kallsyms", detail: "kallsyms_num_syms is \(num)")
        }
        // scripts/kallsyms.c emits names, then markers (and seqs_of_names), then
        // the token table, so the names end before the token table.
        guard tokenTableAddr > namesAddr, tokenTableAddr - namesAddr < 64 << 20, tokenIndexAddr > tokenTableAddr,
              tokenIndexAddr - tokenTableAddr < 1 << 20 else {
            throw DebugInfoError.malformed(what: "kallsyms", detail: "tables are not laid out as scripts/kallsyms.c emits them")
        }
        let names = try read(namesAddr, Int(tokenTableAddr - namesAddr))
        let tokenTable = try read(tokenTableAddr, Int(tokenIndexAddr - tokenTableAddr))
        let tokenIndexBytes = try read(tokenIndexAddr, 512)
        let tokenIndex = (0..<256).map { UInt16(tokenIndexBytes[$0 * 2]) | UInt16(tokenIndexBytes[$0 * 2 + 1]) << 8 }
        let offsetBytes = try read(offsetsAddr, num * 4)
        let offsets = offsetBytes.withUnsafeBytes { raw in
            (0..<num).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        }
        let relBase = try memory.readInteger(physical: try translator.translate(relBaseAddr), as: UInt64.self)
        return try Kallsyms(.init(numSyms: num, names: names, tokenTable: tokenTable, tokenIndex: tokenIndex,
                                  offsets: offsets, relativeBase: relBase, absolutePercpu: true))
    }
}
