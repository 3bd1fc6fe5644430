import KdsqlMemory

/// In-order walk of a red-black tree (include/linux/rbtree.h, lib/rbtree.c):
/// `struct rb_root { struct rb_node *rb_node; }`, each node with `rb_left` /
/// `rb_right`. The walk uses an explicit stack and a visited set, so a
/// corrupt tree ends with `MemoryError.cycle` instead of looping.
public struct RBTree {
    let kernel: Kernel
    let left: FieldRef, right: FieldRef, rootNode: FieldRef

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        left = try kernel.field("struct rb_node", "rb_left")
        right = try kernel.field("struct rb_node", "rb_right")
        rootNode = try kernel.field("struct rb_root", "rb_node")
    }

    /// Calls `body` with each `rb_node` address in key order; `body` returns
    /// false to stop. `root` is the address of the `struct rb_root`.
    public func forEach(root: UInt64, what: String = "rbtree", limit: Int = 1 << 22,
                        _ body: (UInt64) throws -> Bool) throws {
        var stack: [UInt64] = []
        var seen = Set<UInt64>()
        var node = try kernel.readPointer(root, rootNode)
        while node != 0 || !stack.isEmpty {
            while node != 0 {
                guard seen.insert(node).inserted, seen.count <= limit, stack.count < 128 else {
                    throw MemoryError.cycle(what: what, at: node)
                }
                stack.append(node)
                node = try kernel.readPointer(node, left)
            }
            let current = stack.removeLast()
            guard try body(current) else { return }
            node = try kernel.readPointer(current, right)
        }
    }
}
