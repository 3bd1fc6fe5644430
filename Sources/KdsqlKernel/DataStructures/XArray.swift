import KdsqlMemory

/// Lookups and walks of an XArray (include/linux/xarray.h, lib/xarray.c),
/// which also backs the IDR and the radix tree (the pid namespace's `idr`).
///
/// An entry with low bits `10` and a value above 4096 is an internal node
/// pointer (`xa_is_node`); a node has `shift`, and 64 `slots` indexed by
/// `(index >> shift) & 63`. Value entries (low bit 1) and other internal
/// entries (retry, sibling, zero) are not pointers.
public struct XArray {
    let kernel: Kernel
    let slotsOffset: UInt64
    let shiftOffset: UInt64
    static let chunkShift: UInt64 = 6

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        slotsOffset = try kernel.field("struct xa_node", "slots").offset
        shiftOffset = try kernel.field("struct xa_node", "shift").offset
    }

    static func isNode(_ e: UInt64) -> Bool { e & 3 == 2 && e > 4096 }
    static func isPointer(_ e: UInt64) -> Bool { e != 0 && e & 3 == 0 }

    /// The entry stored at `index`, given the array's head entry (`xa_head`).
    public func load(head: UInt64, index: UInt64) throws -> UInt64? {
        var entry = head
        if !XArray.isNode(entry) { return index == 0 && XArray.isPointer(entry) ? entry : nil }
        for level in 0..<12 {
            guard XArray.isNode(entry) else { break }
            let node = entry - 2
            let shift = UInt64(try kernel.readU8(node + shiftOffset))
            let offset = (index >> shift) & 63
            // The top node's shift bounds the indexes the whole tree can hold.
            if level == 0 && shift + XArray.chunkShift < 64 && index >> (shift + XArray.chunkShift) != 0 { return nil }
            entry = try kernel.readU64(node + slotsOffset + offset * 8)
            if shift == 0 { break }
        }
        return XArray.isPointer(entry) ? entry : nil
    }

    /// `xa_is_value()`: a value entry (low bit 1: page-cache shadow, swap and DAX entries).
    public static func isValue(_ e: UInt64) -> Bool { e & 1 == 1 }

    /// Every (index, pointer) stored, in index order; bounded against corrupt trees.
    /// `unreadable`, when given, is told of a node that cannot be read (and
    /// may rethrow); its subtree is skipped and the walk goes on. With
    /// `values`, value entries are given too (other internal entries never).
    public func entries(head: UInt64, limit: Int = 4_000_000, values: Bool = false,
                        unreadable: ((UInt64, any Error) throws -> Void)? = nil) throws -> [(index: UInt64, entry: UInt64)] {
        var out: [(UInt64, UInt64)] = []
        func visit(_ entry: UInt64, base: UInt64, depth: Int) throws {
            guard out.count < limit else { throw MemoryError.cycle(what: "xarray", at: entry) }
            if XArray.isNode(entry) {
                guard depth < 12 else { throw MemoryError.cycle(what: "xarray (too deep)", at: entry) }
                let node = entry - 2
                let shift: UInt64, slots: [UInt8]
                do {
                    shift = UInt64(try kernel.readU8(node + shiftOffset))
                    slots = try kernel.read(node + slotsOffset, count: 64 * 8)
                } catch {
                    guard let unreadable else { throw error }
                    try unreadable(node, error)
                    return
                }
                guard shift < 64 else { throw MemoryError.cycle(what: "xarray (node shift \(shift))", at: node) }
                for i in 0..<64 {
                    let e = slots.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
                    if e != 0 { try visit(e, base: base | (UInt64(i) << shift), depth: depth + 1) }
                }
            } else if XArray.isPointer(entry) || (values && XArray.isValue(entry)) {
                out.append((base, entry))
            }
        }
        try visit(head, base: 0, depth: 0)
        return out
    }
}
