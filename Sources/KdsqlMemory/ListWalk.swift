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

extension Kernel {
    /// `listNodes` for a damaged dump: a node whose `next` cannot be
    /// followed (its page is missing, or `next->prev` does not point back,
    /// include/linux/list.h) is skipped with a warning, and the walk resumes
    /// from the head backwards through `prev` until it meets a node already
    /// seen. Nodes come in list order, none twice. Under `--strict`, or for an
    /// error that is not damage, the first failure is thrown as before.
    public func resilientListNodes(head: UInt64, what: String, object: String, offset: UInt64 = 0,
                                   limit: Int = 4_000_000) throws -> [UInt64] {
        var forward: [UInt64] = []
        var seen = Set<UInt64>()
        var node = head
        var broken: (any Error)?
        while forward.count < limit {
            do {
                let next = try readU64(node)
                if next == head { return forward }
                guard next != 0 else { throw MemoryError.nullPointer(what: "\(what) at 0x\(String(node, radix: 16))") }
                guard !seen.contains(next) else { throw MemoryError.cycle(what: what, at: next) }
                guard try readU64(next + 8) == node else {
                    throw MemoryError.cycle(what: "\(what) (next->prev of 0x\(String(next, radix: 16)) does not point back)", at: next)
                }
                seen.insert(next)
                forward.append(next)
                node = next
            } catch {
                broken = error
                break
            }
        }
        guard let broken else { throw MemoryError.cycle(what: what, at: node) }
        guard !warnings.strict, KernelWarnings.unreadableCause(broken) != nil else { throw broken }
        let lost = (try? readU64(node)) ?? 0
        try warnings.skip(object, at: lost == 0 ? nil : lost &- offset, because: broken)
        // Backwards from the head until the forward walk is met.
        var backward: [UInt64] = []
        var cursor = head
        while backward.count < limit {
            guard let previous = try? readU64(cursor + 8), previous != 0 else { break }
            if previous == head || previous == node || seen.contains(previous) { break }
            guard (try? readU64(previous)) == cursor else {
                try warnings.skip(object, at: previous &- offset, because: MemoryError.implausible("\(what): prev->next does not point back"))
                break
            }
            seen.insert(previous)
            backward.append(previous)
            cursor = previous
        }
        return forward + backward.reversed()
    }

    /// `hlistNodes` for a damaged dump: an hlist can only be walked forwards
    /// (`pprev` points at the previous `next`, not at the node;
    /// include/linux/types.h), so a node the dump lacks ends the walk there:
    /// the nodes before it are returned and the loss is recorded as a skipped
    /// `object`. Under `--strict`, or for an error that is not damage, the
    /// failure is thrown as before.
    public func resilientHlistNodes(head: UInt64, what: String, object: String, offset: UInt64 = 0,
                                    limit: Int = 4_000_000) throws -> [UInt64] {
        var nodes: [UInt64] = []
        var seen = Set<UInt64>()
        var node = try readU64(head)
        while node != 0 {
            guard nodes.count < limit, seen.insert(node).inserted else { throw MemoryError.cycle(what: what, at: node) }
            let next: UInt64
            do {
                next = try readU64(node)
            } catch {
                try warnings.skip(object, at: node &- offset, because: error)
                return nodes
            }
            nodes.append(node)
            node = next
        }
        return nodes
    }
}
