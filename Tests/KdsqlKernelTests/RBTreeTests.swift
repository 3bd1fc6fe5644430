import Testing
import KdsqlMemory
@testable import KdsqlKernel

/// The rbtree walk on hand-made trees: in-order output, and corrupt trees
/// (a child pointing back up, a runaway size) stopping with a marked error.
@Suite struct RBTreeTests {
    /// node -> (left, right)
    static func walk(_ tree: [UInt64: (UInt64, UInt64)], root: UInt64, limit: Int = 1000) throws -> [UInt64] {
        try RBTree.inorder(first: root, what: "test tree", limit: limit) { n in
            guard let c = tree[n] else { throw MemoryError.unmapped(virtualAddress: n, level: "test") }
            return c
        }
    }

    @Test func walksInOrder() throws {
        // 4 is the root; 2 (1, 3) on the left; 6 (5, 7) on the right.
        let tree: [UInt64: (UInt64, UInt64)] = [4: (2, 6), 2: (1, 3), 6: (5, 7), 1: (0, 0), 3: (0, 0), 5: (0, 0), 7: (0, 0)]
        #expect(try Self.walk(tree, root: 4) == [1, 2, 3, 4, 5, 6, 7])
        #expect(try Self.walk([:], root: 0) == [])
    }

    @Test func aChildPointingToItsAncestorIsACycle() {
        let tree: [UInt64: (UInt64, UInt64)] = [4: (2, 0), 2: (0, 4)]
        #expect(throws: MemoryError.cycle(what: "test tree", at: 4)) { try Self.walk(tree, root: 4) }
    }

    @Test func aTreeLargerThanTheLimitStops() throws {
        // A right-leaning chain of 100 nodes with a limit of 10.
        var tree: [UInt64: (UInt64, UInt64)] = [:]
        for i in UInt64(1)...100 { tree[i] = (0, i == 100 ? 0 : i + 1) }
        #expect(throws: MemoryError.self) { try Self.walk(tree, root: 1, limit: 10) }
        #expect(try Self.walk(tree, root: 1, limit: 100).count == 100)
    }
}
