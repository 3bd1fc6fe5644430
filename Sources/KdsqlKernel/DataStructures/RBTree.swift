import KdsqlMemory

/// In-order walk of a kernel red-black tree (include/linux/rbtree_types.h:
/// `struct rb_node {unsigned long __rb_parent_color; struct rb_node *rb_right;
/// struct rb_node *rb_left;}`), used by timerqueues (hrtimers), CFS and
/// SCHED_DEADLINE run queues. Only the child pointers are followed, with an
/// explicit stack, so a corrupt tree cannot recurse deeply; a node seen twice
/// or a tree larger than `limit` stops with `MemoryError.cycle`.
public struct RBTree {
    let kernel: Kernel
    let left: FieldRef, right: FieldRef
    /// Offset of `rb_root` inside `struct rb_root_cached` (it is first, but look it up).
    let cachedRoot: FieldRef

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        left = try kernel.field("struct rb_node", "rb_left")
        right = try kernel.field("struct rb_node", "rb_right")
        cachedRoot = try kernel.field("struct rb_root_cached", "rb_root.rb_node")
    }

    /// Nodes of the tree whose `struct rb_root` is at `root`, smallest first.
    public func inorder(root: UInt64, what: String = "rbtree", limit: Int = 1_000_000) throws -> [UInt64] {
        let warnings = kernel.warnings
        return try Self.inorder(first: try kernel.readU64(root), what: what, limit: limit, children: { node in
            (try kernel.readPointer(node, left), try kernel.readPointer(node, right))
        }, unreadable: { node, error in try warnings.skip("rb_node of \(what)", at: node, because: error) })
    }

    /// The traversal itself, over any way of reading a node's children (so
    /// it can be checked against hand-made corrupt trees).
    static func inorder(first: UInt64, what: String, limit: Int,
                        children: (UInt64) throws -> (left: UInt64, right: UInt64),
                        unreadable: ((UInt64, any Error) throws -> Void)? = nil) throws -> [UInt64] {
        var out: [UInt64] = []
        var seen = Set<UInt64>()
        var stack: [(node: UInt64, right: UInt64)] = []
        var node = first
        while node != 0 || !stack.isEmpty {
            while node != 0 {
                guard seen.insert(node).inserted, seen.count <= limit else { throw MemoryError.cycle(what: what, at: node) }
                let c: (left: UInt64, right: UInt64)
                do {
                    c = try children(node)
                } catch {
                    // A node the dump lacks (a task_struct on an excluded
                    // slab page holds its run_node) takes its subtrees with
                    // it; `unreadable` records that, or rethrows.
                    guard let unreadable else { throw error }
                    try unreadable(node, error)
                    node = 0
                    continue
                }
                stack.append((node, c.right))
                node = c.left
            }
            let n = stack.removeLast()
            out.append(n.node)
            node = n.right
        }
        return out
    }

    /// Nodes of an `rb_root_cached` (the leftmost cache is not needed for a full walk).
    public func inorder(cachedRoot address: UInt64, what: String = "rbtree", limit: Int = 1_000_000) throws -> [UInt64] {
        try inorder(root: address + cachedRoot.offset, what: what, limit: limit)
    }
}
