import KdsqlMemory

/// A lazy walk over the nodes of a kernel list or tree, for the generic
/// walkers (`kd_list`, `kd_rbtree`): nodes come one at a time, so a LIMIT
/// stops the reads, and damage ends the walk instead of failing it. A node
/// seen twice (a cycle that never returns to the head), a NULL link in a
/// circular list, an unreadable link, or more than `limit` nodes stop the
/// walk; `stoppedBy` then says why, and the nodes already given stand.
///
/// Shapes, from the kernel's headers:
/// - `list`: `struct list_head` (include/linux/list.h), circular through
///   `next` (offset 0); the head itself is not an entry, so a head that
///   points to itself is an empty list.
/// - `hlist`: `struct hlist_head { struct hlist_node *first; }` and
///   `struct hlist_node { next, pprev }`, NULL-terminated through `next`.
/// - `rbtree`: `struct rb_root { struct rb_node *rb_node; }` (also the first
///   member of `struct rb_root_cached`), walked in order (smallest first)
///   through `rb_left`/`rb_right` with an explicit stack.
public final class NodeWalk {
    public enum Shape: Sendable { case list, hlist, rbtree }

    let kernel: Kernel
    let head: UInt64
    let shape: Shape
    let what: String
    let limit: Int
    let rbLeft: UInt64, rbRight: UInt64
    var seen = Set<UInt64>()
    var started = false
    var finished = false
    /// The next node to give (list, hlist) or to descend from (rbtree).
    var cursor: UInt64 = 0
    var stack: [UInt64] = []
    /// Why the walk ended before its natural end; nil when it ran to the end.
    public private(set) var stoppedBy: (any Error)?

    /// `head` is the address of the `list_head`, `hlist_head` or `rb_root`.
    public init(kernel: Kernel, head: UInt64, shape: Shape, what: String, limit: Int = 16_000_000) throws {
        self.kernel = kernel
        self.head = head
        self.shape = shape
        self.what = what
        self.limit = limit
        if shape == .rbtree {
            rbLeft = try kernel.field("struct rb_node", "rb_left").offset
            rbRight = try kernel.field("struct rb_node", "rb_right").offset
        } else {
            rbLeft = 0
            rbRight = 0
        }
    }

    /// The next node's address, or nil at the end (or where damage stopped the walk).
    public func next() -> UInt64? {
        guard !finished else { return nil }
        do {
            if let node = try step() { return node }
        } catch {
            stoppedBy = error
        }
        finished = true
        return nil
    }

    private func admit(_ node: UInt64) throws {
        guard seen.count < limit else {
            throw MemoryError.cycle(what: "\(what) (more than \(limit) nodes)", at: node)
        }
        guard seen.insert(node).inserted else { throw MemoryError.cycle(what: what, at: node) }
    }

    private func step() throws -> UInt64? {
        switch shape {
        case .list:
            let from = started ? cursor : head
            let node = try kernel.readU64(from)
            started = true
            if node == head { return nil }
            guard node != 0 else {
                throw MemoryError.nullPointer(what: "\(what): next of 0x\(String(from, radix: 16))")
            }
            try admit(node)
            cursor = node
            return node
        case .hlist:
            let node = try kernel.readU64(started ? cursor : head)
            started = true
            if node == 0 { return nil }
            try admit(node)
            cursor = node
            return node
        case .rbtree:
            if !started {
                cursor = try kernel.readU64(head)
                started = true
            }
            while cursor != 0 {
                try admit(cursor)
                stack.append(cursor)
                cursor = try kernel.readU64(cursor + rbLeft)
            }
            guard let node = stack.popLast() else { return nil }
            cursor = try kernel.readU64(node + rbRight)
            return node
        }
    }
}
