import KdsqlDump
import Synchronization

/// Symbols from a System.map (`nm -n vmlinux` output, scripts/mksysmap):
/// one `ffffffff81000000 T _text` line per symbol, sorted by address, with
/// link-time (unrelocated) addresses.
///
/// Addresses inside the kernel image (>= __START_KERNEL_map,
/// arch/x86/include/asm/page_64_types.h) are moved by the KASLR offset;
/// per-cpu offsets (`0000000000001000 D cpu_debug_store`) and absolute
/// values below that range are not relocated. Absolute symbols (`A`/`a`,
/// e.g. `text_size`) and the per-cpu offsets are not addresses of code or
/// data, so `symbolize` never answers with them.
///
/// Parsing works on the bytes (87k lines in a few ms); the name index hashes
/// names in place; Symbol values with Strings are only made when asked for.
public final class SystemMap: SymbolTable, @unchecked Sendable {
    // @unchecked Sendable: everything is immutable after init except the
    // `allSymbols` cache, which is behind a Mutex.

    /// Start of the kernel image mapping (__START_KERNEL_map).
    public static let kernelImageStart: UInt64 = 0xffff_ffff_8000_0000

    public let kaslrOffset: UInt64
    /// The file's bytes; names are slices of it.
    private let storage: [UInt8]
    /// Per symbol, in address order: relocated address, name slice, type letter.
    private let addresses: [UInt64]
    private let nameStarts: [UInt32]
    private let nameLengths: [UInt32]
    private let types: [UInt8]
    /// Indices of the symbols `symbolize` may answer with, in address order.
    private let lookupOrder: [Int32]
    private let nameIndex: ByteNameIndex
    private let allSymbolsCache = Mutex<[Symbol]?>(nil)

    /// Number of symbol lines parsed (malformed lines are not counted).
    public var count: Int { addresses.count }

    /// Parses System.map bytes. Malformed lines are skipped; a file without a
    /// single symbol line throws `DebugInfoError.malformed`.
    public convenience init(bytes: [UInt8], kaslrOffset: UInt64 = 0) throws {
        var addresses: [UInt64] = [], starts: [UInt32] = [], lengths: [UInt32] = [], types: [UInt8] = []
        let estimate = bytes.count / 32
        addresses.reserveCapacity(estimate); starts.reserveCapacity(estimate)
        lengths.reserveCapacity(estimate); types.reserveCapacity(estimate)

        bytes.withUnsafeBufferPointer { b in
            let n = b.count
            var i = 0
            while i < n {
                // One line: hex address, blanks, type letter, blanks, name.
                var value: UInt64 = 0, digits = 0
                while i < n {
                    let c = b[i], d: UInt8
                    if c >= 0x30 && c <= 0x39 { d = c &- 0x30 }
                    else if c >= 0x61 && c <= 0x66 { d = c &- 0x57 }
                    else if c >= 0x41 && c <= 0x46 { d = c &- 0x37 }
                    else { break }
                    value = value << 4 | UInt64(d)
                    digits += 1
                    i += 1
                }
                var ok = digits >= 1 && digits <= 16 && i < n && b[i] == 0x20
                while i < n && b[i] == 0x20 { i += 1 }
                var type: UInt8 = 0
                if ok && i < n {
                    type = b[i]
                    ok = (type | 0x20) >= 0x61 && (type | 0x20) <= 0x7a
                    i += 1
                    ok = ok && i < n && b[i] == 0x20
                }
                while i < n && b[i] == 0x20 { i += 1 }
                let nameStart = i
                while i < n && b[i] != 0x0a && b[i] != 0x20 && b[i] != 0x09 && b[i] != 0x0d { i += 1 }
                let nameLength = i - nameStart
                ok = ok && nameLength > 0
                while i < n && b[i] != 0x0a { i += 1 }  // rest of the line (e.g. "[module]")
                i += 1
                guard ok else { continue }
                addresses.append(value)
                starts.append(UInt32(nameStart))
                lengths.append(UInt32(nameLength))
                types.append(type)
            }
        }
        guard !addresses.isEmpty else {
            throw DebugInfoError.malformed(
                what: "System.map",
                detail: "no `address type name` lines in \(bytes.count) bytes; this is not a System.map")
        }
        self.init(storage: bytes, linkAddresses: addresses, nameStarts: starts, nameLengths: lengths, types: types,
                  kaslrOffset: kaslrOffset)
    }

    /// Symbols given as link-time addresses, names as (start, length) slices
    /// of `storage`, and type letters; shared by the System.map parser and the
    /// ELF symbol table of a vmlinux (VmlinuxSymbols).
    init(storage bytes: [UInt8], linkAddresses: [UInt64], nameStarts starts: [UInt32], nameLengths lengths: [UInt32],
         types: [UInt8], kaslrOffset: UInt64) {
        self.kaslrOffset = kaslrOffset
        var addresses = linkAddresses.map { $0 >= SystemMap.kernelImageStart ? $0 &+ kaslrOffset : $0 }
        var starts = starts, lengths = lengths, types = types

        // nm -n output is sorted already; a hand-edited or concatenated map
        // may not be, and binary search needs it.
        if zip(addresses, addresses.dropFirst()).contains(where: { $0 > $1 }) {
            let order = addresses.indices.sorted { addresses[$0] != addresses[$1] ? addresses[$0] < addresses[$1] : $0 < $1 }
            addresses = order.map { addresses[$0] }
            starts = order.map { starts[$0] }
            lengths = order.map { lengths[$0] }
            types = order.map { types[$0] }
        }

        let relocatedImageStart = SystemMap.kernelImageStart &+ kaslrOffset
        var lookupOrder: [Int32] = []
        lookupOrder.reserveCapacity(addresses.count)
        for i in addresses.indices where types[i] | 0x20 != 0x61 && addresses[i] >= relocatedImageStart {
            lookupOrder.append(Int32(i))
        }

        // Name index: the first global symbol of a name wins over locals
        // (static functions often share names across files).
        var index = ByteNameIndex(expected: addresses.count)
        bytes.withUnsafeBytes { raw in
            func name(_ i: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: raw[Int(starts[i])..<Int(starts[i] + lengths[i])])
            }
            for i in addresses.indices {
                let bytesOfName = name(i)
                index.insert(
                    hash: ByteNameIndex.hash(bytesOfName), value: UInt32(i),
                    matches: { name(Int($0)).elementsEqual(bytesOfName) },
                    better: { existing in types[Int(existing)] >= 0x61 && types[i] < 0x61 })
            }
        }

        self.storage = bytes
        self.addresses = addresses
        self.nameStarts = starts
        self.nameLengths = lengths
        self.types = types
        self.lookupOrder = lookupOrder
        self.nameIndex = index
    }

    /// Parses System.map text.
    public convenience init(text: String, kaslrOffset: UInt64 = 0) throws {
        try self.init(bytes: Array(text.utf8), kaslrOffset: kaslrOffset)
    }

    /// Reads and parses a System.map file.
    public convenience init(path: String, kaslrOffset: UInt64 = 0) throws {
        let file = try MappedFile(path: path)
        let bytes = file.size == 0 ? [] : Array(try file.bytes(at: 0, count: Int(file.size), what: "System.map"))
        try self.init(bytes: bytes, kaslrOffset: kaslrOffset)
    }

    private func name(at i: Int) -> String {
        let start = Int(nameStarts[i])
        return String(decoding: storage[start..<start + Int(nameLengths[i])], as: UTF8.self)
    }

    private func symbol(at i: Int) -> Symbol {
        Symbol(name: name(at: i), address: addresses[i], type: Character(Unicode.Scalar(types[i])))
    }

    private func index(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { wanted -> Int? in
            let raw = UnsafeRawBufferPointer(wanted)
            return storage.withUnsafeBytes { storage in
                nameIndex.find(hash: ByteNameIndex.hash(raw)) { candidate in
                    let i = Int(candidate), start = Int(nameStarts[i])
                    return UnsafeRawBufferPointer(rebasing: storage[start..<start + Int(nameLengths[i])]).elementsEqual(raw)
                }
            }.map { Int($0) }
        }
    }

    // MARK: - SymbolTable

    /// Runtime address (KASLR applied) of the first global symbol of that
    /// name, else the first local one.
    public func address(of name: String) -> UInt64? {
        index(of: name).map { addresses[$0] }
    }

    /// The symbol containing `address`: the greatest one at or below it
    /// (the first listed of several at the same address, as kallsyms does),
    /// sized up to the next higher symbol. Nil below the first kernel-image
    /// symbol and past the last one.
    public func symbolize(_ address: UInt64) -> (symbol: Symbol, offset: UInt64, size: UInt64?)? {
        // Last position whose address is <= address.
        var lo = 0, hi = lookupOrder.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if addresses[Int(lookupOrder[mid])] <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let last = lo - 1
        let start = addresses[Int(lookupOrder[last])]
        var first = last
        while first > 0 && addresses[Int(lookupOrder[first - 1])] == start { first -= 1 }
        let size: UInt64?
        if lo < lookupOrder.count {
            size = addresses[Int(lookupOrder[lo])] - start
        } else {
            guard address == start else { return nil }
            size = nil
        }
        return (symbol(at: Int(lookupOrder[first])), address - start, size)
    }

    /// Every symbol, absolute ones included, sorted by address (built once).
    public var allSymbols: [Symbol] {
        allSymbolsCache.withLock { cache in
            if let cache { return cache }
            let all = addresses.indices.map { symbol(at: $0) }
            cache = all
            return all
        }
    }

    // MARK: - Checking the map against the dump

    /// Checks that this map belongs to the dumped kernel: every VMCOREINFO
    /// `SYMBOL(x)` inside the kernel image that the map also has must be at
    /// the same runtime address. Throws `DebugInfoError.mismatch` naming the
    /// first disagreement, or when no symbol could be compared at all.
    public func validate(against vmcoreinfo: VMCoreInfo) throws {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        var compared = 0, candidates = 0
        for (key, value) in vmcoreinfo.entries where key.hasPrefix("SYMBOL(") && key.hasSuffix(")") {
            guard let dumped = UInt64(value, radix: 16), dumped >= SystemMap.kernelImageStart else { continue }
            candidates += 1
            let name = String(key.dropFirst(7).dropLast())
            guard let mine = address(of: name) else { continue }
            compared += 1
            if mine != dumped {
                throw DebugInfoError.mismatch(
                    "System.map does not match the dump: SYMBOL(\(name)) is \(hex(dumped)) in VMCOREINFO but \(hex(mine)) in the map (wrong kernel build, or wrong KASLR offset)")
            }
        }
        if compared == 0 {
            throw DebugInfoError.mismatch(
                "System.map does not match the dump: none of the \(candidates) kernel-image SYMBOL() entries in VMCOREINFO is in the map (wrong kernel build, or not a System.map)")
        }
    }
}
