/// A run of 32-bit words: an array built in memory, or little-endian words
/// read in place from memory that another object keeps mapped and unchanged
/// (the BTF cache file). Read in place, a warm start copies nothing: copying
/// the cached BTF index into arrays faulted in and filled 2.5 MB of fresh
/// memory per process.
struct U32Words: @unchecked Sendable {
    // @unchecked Sendable: borrowed words are never written, and the owner
    // of their memory (kept by whoever holds this) keeps them unchanged.
    private var array: [UInt32]
    private let borrowed: UnsafeRawPointer?
    let count: Int

    init(_ array: [UInt32]) {
        self.array = array
        borrowed = nil
        count = array.count
    }

    /// The words of `bytes` (its length rounded down to whole words), read
    /// in place; the caller keeps their memory alive and unchanged.
    init(borrowing bytes: UnsafeRawBufferPointer) {
        array = []
        borrowed = bytes.count >= 4 ? bytes.baseAddress : nil
        count = borrowed == nil ? 0 : bytes.count / 4
    }

    @inline(__always)
    subscript(i: Int) -> UInt32 {
        get {
            precondition(i >= 0 && i < count, "U32Words index \(i) out of 0..<\(count)")
            if let borrowed { return UInt32(littleEndian: borrowed.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)) }
            return array[i]
        }
        set {
            precondition(borrowed == nil, "borrowed words are read-only")
            array[i] = newValue
        }
    }

    /// Every word, in order (copied out of borrowed memory).
    var values: [UInt32] {
        borrowed == nil ? array : (0..<count).map { self[$0] }
    }
}
