/// Iteration over the kernel's intrusive lists (include/linux/list.h), with a
/// guard: a corrupt dump can link a list into a loop that never returns to
/// its head, so a walk stops with `MemoryError.cycle` after `limit` nodes or
/// when a node repeats.
extension Kernel {
    /// Addresses of the `list_head`s linked after `head` (head excluded), in
    /// `next` order.
    public func listNodes(head: UInt64, what: String = "list", limit: Int = 4_000_000) throws -> [UInt64] {
        var nodes: [UInt64] = []
        try forEachListNode(head: head, what: what, limit: limit) { nodes.append($0); return true }
        return nodes
    }

    /// Calls `body` for each node after `head`; `body` returns false to stop early.
    public func forEachListNode(head: UInt64, what: String = "list", limit: Int = 4_000_000,
                                _ body: (UInt64) throws -> Bool) throws {
        var seen = Set<UInt64>()
        var node = try readU64(head)
        var count = 0
        while node != head {
            guard node != 0 else { throw MemoryError.nullPointer(what: "\(what) at 0x\(String(head, radix: 16))") }
            count += 1
            // Checking every node in a set is cheap next to the page reads.
            guard count <= limit, seen.insert(node).inserted else { throw MemoryError.cycle(what: what, at: node) }
            guard try body(node) else { return }
            node = try readU64(node)
        }
    }

    /// Nodes of an `hlist_head` (first → next, NULL-terminated).
    public func hlistNodes(head: UInt64, what: String = "hlist", limit: Int = 4_000_000) throws -> [UInt64] {
        var nodes: [UInt64] = []
        var seen = Set<UInt64>()
        var node = try readU64(head)
        while node != 0 {
            guard nodes.count < limit, seen.insert(node).inserted else { throw MemoryError.cycle(what: what, at: node) }
            nodes.append(node)
            node = try readU64(node)
        }
        return nodes
    }
}
