/// A fixed-size open-addressing map from a 64-bit hash to a 32-bit id. The
/// keys are already good hashes (FNV-1a of a name and its namespace), so
/// Swift's Dictionary, which hashes them again with SipHash, was measurably
/// the slowest part of building the BTF name index.
struct FlatHashIndex {
    private var keys: [UInt64]
    private var values: [UInt32]
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    /// Inserts unless the key exists; `replace(existing)` may say to overwrite.
    mutating func insert(key rawKey: UInt64, value: UInt32, replace: (UInt32) -> Bool) {
        let key = rawKey == 0 ? 1 : rawKey  // 0 marks an empty slot
        var i = Int(truncatingIfNeeded: key) & mask
        while true {
            if keys[i] == 0 {
                keys[i] = key
                values[i] = value
                return
            }
            if keys[i] == key {
                if replace(values[i]) { values[i] = value }
                return
            }
            i = (i + 1) & mask
        }
    }

    func find(_ rawKey: UInt64) -> UInt32? {
        let key = rawKey == 0 ? 1 : rawKey
        var i = Int(truncatingIfNeeded: key) & mask
        while keys[i] != 0 {
            if keys[i] == key { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }
}
