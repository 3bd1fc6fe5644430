/// An open-addressing hash table from names to UInt32 values, where the names
/// stay where they already are (a BTF string section, a System.map file) and
/// the caller says whether a stored value's name equals the one sought.
///
/// Why not `[String: UInt32]`: building 20k-90k Swift Strings just to index
/// them costs several milliseconds at startup; hashing the raw bytes in place
/// costs well under one.
struct ByteNameIndex: Sendable {
    /// value + 1 per slot; 0 marks an empty slot.
    private var slots: U32Words
    /// The full hash of each occupied slot, compared before the names are.
    private var hashes: U32Words
    private let mask: Int
    private(set) var count = 0

    /// A table that holds `expected` names at a load factor of at most 1/2.
    init(expected: Int) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        slots = U32Words([UInt32](repeating: 0, count: capacity))
        hashes = U32Words([UInt32](repeating: 0, count: capacity))
        mask = capacity - 1
    }

    /// A table as `slots`/`hashes` show it (a stored copy of one, e.g. the
    /// BTF cache's index); nil unless the sizes are a power of two, equal,
    /// and `count` leaves a free slot.
    init?(slots: U32Words, hashes: U32Words, count: Int) {
        guard slots.count >= 16, slots.count == hashes.count, slots.count & (slots.count - 1) == 0,
              count >= 0, count < slots.count else { return nil }
        self.slots = slots
        self.hashes = hashes
        mask = slots.count - 1
        self.count = count
    }

    /// The table's two arrays, for storing it.
    var storage: (slots: [UInt32], hashes: [UInt32]) { (slots.values, hashes.values) }

    /// FNV-1a over the bytes, then a murmur3 finaliser so that the low bits
    /// used as the slot number are well mixed. `seed` separates namespaces
    /// (BTF's struct/union/enum/typedef names share one table).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        var h: UInt32 = 2_166_136_261 ^ seed
        for b in bytes {
            h = (h ^ UInt32(b)) &* 16_777_619
        }
        h ^= h >> 16
        h = h &* 0x85eb_ca6b
        h ^= h >> 13
        h = h &* 0xc2b2_ae35
        h ^= h >> 16
        return h
    }

    /// The value stored under `hash` whose name `matches`, if any.
    @inline(__always)
    func find(hash: UInt32, matches: (UInt32) -> Bool) -> UInt32? {
        var i = Int(hash) & mask
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if hashes[i] == hash && matches(s - 1) { return s - 1 }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` under its name, or, when the name is already present,
    /// replaces the stored value if `better(existing)` says so.
    @inline(__always)
    mutating func insert(hash: UInt32, value: UInt32, matches: (UInt32) -> Bool, better: (UInt32) -> Bool) {
        precondition(count * 2 < slots.count, "ByteNameIndex sized too small")
        var i = Int(hash) & mask
        while true {
            let s = slots[i]
            if s == 0 {
                slots[i] = value + 1
                hashes[i] = hash
                count += 1
                return
            }
            if hashes[i] == hash && matches(s - 1) {
                if better(s - 1) { slots[i] = value + 1 }
                return
            }
            i = (i + 1) & mask
        }
    }
}
