import KdsqlMemory
import KdsqlDebugInfo

/// In-order walk of a maple tree (lib/maple_tree.c, include/linux/maple_tree.h,
/// Linux 6.1+), the range tree that holds an mm's VMAs (`mm_struct.mm_mt`).
///
/// Encoding, from include/linux/maple_tree.h and lib/maple_tree.c:
/// - `ma_root` is either NULL, a single entry covering index 0 only, or an
///   encoded node pointer: an XArray internal entry (`xa_is_node`: low bits
///   `10`, value > 4096, the MAPLE_ROOT_NODE marker; child pointers in
///   internal nodes lack it) whose bits 3..6 give the node type
///   (`mte_node_type`: `(enode >> MAPLE_NODE_TYPE_SHIFT) & MAPLE_NODE_TYPE_MASK`)
///   and whose low byte is masked off to get the node (`mte_to_node`:
///   `enode & ~MAPLE_NODE_MASK`).
/// - Node types (`enum maple_type`): `maple_dense` (slot i covers min+i),
///   `maple_leaf_64` / `maple_range_64` (`struct maple_range_64`: pivots and
///   slots) and `maple_arange_64` (`struct maple_arange_64`, also gaps).
///   Types below `maple_range_64` are leaves (`ma_is_leaf`).
/// - Range semantics: slot i covers `[pivot[i-1] + 1, pivot[i]]` (the node's
///   min for i = 0, the node's max for the last used slot). Where the data
///   ends is `ma_data_end()`: the metadata `end` for arange nodes; for range
///   nodes the metadata when the last pivot is 0, otherwise the last pivot's
///   index if it equals the node max, else every slot.
///
/// The enum values come from the kernel's type info; the bit layout of the
/// encoded pointer is a macro (not in BTF) and is the same from 6.1 to 6.12.
public struct MapleTree {
    /// `MAPLE_NODE_MASK`: nodes are 256-byte aligned; the low byte holds flags.
    static let nodeMask: UInt64 = 255
    /// `MAPLE_NODE_TYPE_SHIFT`, `MAPLE_NODE_TYPE_MASK`.
    static let typeShift: UInt64 = 3
    static let typeMask: UInt64 = 0x0f
    /// `MAPLE_HEIGHT_MAX`: no real tree is deeper.
    static let maxHeight = 31

    /// One stored range: entry covers indices first...last.
    public struct Range: Equatable, Sendable {
        public var first: UInt64
        public var last: UInt64
        public var entry: UInt64
    }

    enum NodeKind { case dense, leaf, range, arange }

    let kernel: Kernel
    let kinds: [UInt64: NodeKind]
    // struct maple_range_64 / struct maple_arange_64 / struct maple_node
    let r64Pivot: FieldRef, r64Slot: FieldRef, r64End: FieldRef
    let a64Pivot: FieldRef, a64Slot: FieldRef, a64End: FieldRef
    let denseSlot: FieldRef
    let r64Pivots: Int, r64Slots: Int, a64Pivots: Int, a64Slots: Int, denseSlots: Int
    /// The node size: a whole node is read at once (one page-cache hit).
    let nodeSize: Int

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let types = try kernel.types()
        // enum maple_type { maple_dense, maple_leaf_64, maple_range_64, maple_arange_64 }
        let values = types.enumerators(of: types.resolved(try kernel.type("enum maple_type")))
        var kinds: [UInt64: NodeKind] = [:]
        for (name, value) in values {
            switch name {
            case "maple_dense": kinds[UInt64(value)] = .dense
            case "maple_leaf_64": kinds[UInt64(value)] = .leaf
            case "maple_range_64": kinds[UInt64(value)] = .range
            case "maple_arange_64": kinds[UInt64(value)] = .arange
            default: break
            }
        }
        guard kinds.count == 4 else {
            throw MemoryError.missing("enum maple_type lacks maple_dense/leaf_64/range_64/arange_64 (found \(values.map(\.name))); this maple tree layout is not supported")
        }
        self.kinds = kinds
        r64Pivot = try kernel.field("struct maple_range_64", "pivot")
        r64Slot = try kernel.field("struct maple_range_64", "slot")
        r64End = try kernel.field("struct maple_range_64", "meta.end")
        a64Pivot = try kernel.field("struct maple_arange_64", "pivot")
        a64Slot = try kernel.field("struct maple_arange_64", "slot")
        a64End = try kernel.field("struct maple_arange_64", "meta.end")
        denseSlot = try kernel.field("struct maple_node", "slot")
        r64Pivots = try Self.count(kernel, r64Pivot, "maple_range_64.pivot")
        r64Slots = try Self.count(kernel, r64Slot, "maple_range_64.slot")
        a64Pivots = try Self.count(kernel, a64Pivot, "maple_arange_64.pivot")
        a64Slots = try Self.count(kernel, a64Slot, "maple_arange_64.slot")
        denseSlots = try Self.count(kernel, denseSlot, "maple_node.slot")
        nodeSize = try kernel.size(of: "struct maple_node")
    }

    static func count(_ kernel: Kernel, _ f: FieldRef, _ what: String) throws -> Int {
        let types = try kernel.types()
        guard case .array(_, let n) = types.shape(of: types.resolved(f.type)), n > 0 else {
            throw MemoryError.typeMismatch("\(what) is not an array; unsupported maple tree layout")
        }
        return n
    }

    /// `xa_is_node()`: an internal entry that points to a node.
    static func isNode(_ entry: UInt64) -> Bool { entry & 3 == 2 && entry > 4096 }

    /// Calls `body` for every non-NULL entry in index order; `body` returns
    /// false to stop. `root` is the value of `maple_tree.ma_root`. Corrupt
    /// trees (looping or out-of-order nodes, too deep, too many entries) end
    /// with `MemoryError.cycle` naming `what`.
    public func forEach(root: UInt64, what: String = "maple tree", limit: Int = 1 << 22,
                        _ body: (Range) throws -> Bool) throws {
        if root == 0 { return }
        if !Self.isNode(root) {
            // A lone entry in the root covers index 0 only (mas_start, MAS_ROOT).
            _ = try body(Range(first: 0, last: 0, entry: root))
            return
        }
        var seen = Set<UInt64>()
        var emitted = 0
        // Returns false when the caller asked to stop.
        func visit(_ enode: UInt64, min: UInt64, max: UInt64, depth: Int) throws -> Bool {
            let node = enode & ~Self.nodeMask
            guard depth <= Self.maxHeight, seen.insert(node).inserted else {
                throw MemoryError.cycle(what: "\(what) (node visited twice or deeper than MAPLE_HEIGHT_MAX)", at: node)
            }
            guard let kind = kinds[(enode >> Self.typeShift) & Self.typeMask] else {
                throw MemoryError.typeMismatch("\(what): encoded node 0x\(String(enode, radix: 16)) has an unknown node type; the tree is corrupt")
            }
            let bytes = try kernel.read(node, count: nodeSize)
            func word(_ offset: UInt64, _ i: Int) -> UInt64 {
                bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: Int(offset) + i * 8, as: UInt64.self) }
            }
            if kind == .dense {
                for i in 0..<denseSlots {
                    let index = min &+ UInt64(i)
                    if index > max || index < min { break }
                    let e = word(denseSlot.offset, i)
                    if e != 0 {
                        emitted += 1
                        guard emitted <= limit else { throw MemoryError.cycle(what: "\(what) (more than \(limit) entries)", at: node) }
                        guard try body(Range(first: index, last: index, entry: e)) else { return false }
                    }
                }
                return true
            }
            let arange = kind == .arange
            let pivotField = arange ? a64Pivot : r64Pivot
            let slotField = arange ? a64Slot : r64Slot
            let nPivots = arange ? a64Pivots : r64Pivots
            let nSlots = arange ? a64Slots : r64Slots
            // ma_data_end()
            let metaEnd = Int(bytes[Int(arange ? a64End.offset : r64End.offset)])
            var end: Int
            if arange {
                end = metaEnd
            } else {
                let lastPivot = word(pivotField.offset, nPivots - 1)
                end = lastPivot == 0 ? metaEnd : (lastPivot == max ? nPivots - 1 : nPivots)
            }
            end = Swift.min(end, nSlots - 1)
            var lo = min
            for i in 0...end {
                var hi = max
                if i < end && i < nPivots {
                    let p = word(pivotField.offset, i)
                    if p != 0 || i == 0 { hi = p }
                }
                guard hi >= lo, hi <= max else {
                    throw MemoryError.cycle(what: "\(what) (pivot \(i) = 0x\(String(hi, radix: 16)) outside 0x\(String(lo, radix: 16))...0x\(String(max, radix: 16)) in node 0x\(String(node, radix: 16)))", at: node)
                }
                let e = word(slotField.offset, i)
                if e != 0 {
                    if kind == .leaf {
                        emitted += 1
                        guard emitted <= limit else { throw MemoryError.cycle(what: "\(what) (more than \(limit) entries)", at: node) }
                        guard try body(Range(first: lo, last: hi, entry: e)) else { return false }
                    } else {
                        // Internal slots hold encoded child nodes (node | type << 3;
                        // only the root carries the xa_mk_node marker, MAPLE_ROOT_NODE).
                        guard e & ~Self.nodeMask >= 4096 else {
                            throw MemoryError.typeMismatch("\(what): slot \(i) of internal node 0x\(String(node, radix: 16)) holds 0x\(String(e, radix: 16)), not a node; the tree is corrupt")
                        }
                        guard try visit(e, min: lo, max: hi, depth: depth + 1) else { return false }
                    }
                }
                if hi == max { break }
                lo = hi &+ 1
            }
            return true
        }
        _ = try visit(root, min: 0, max: UInt64.max, depth: 1)
    }

    /// Every non-NULL entry, in index order.
    public func entries(root: UInt64, what: String = "maple tree") throws -> [Range] {
        var out: [Range] = []
        try forEach(root: root, what: what) { out.append($0); return true }
        return out
    }
}
