import KdsqlMemory
import KdsqlKernel

/// What `kd_list` and `kd_rbtree` share: the (start, type, member) arguments
/// and the rows of a lazy node walk, numbered in walk order, each with the
/// embedded node and the object containing it.
enum NodeWalkRows {
    typealias Row = (ordinal: Int64, node: UInt64, address: UInt64)

    /// The start address and the embedded node `type.member`; nil when an
    /// argument is NULL (no rows, as SQL's NULL in anything gives nothing).
    static func arguments(_ start: SQLValue?, _ type: SQLValue?, _ member: SQLValue?, table: String,
                          kernel: Kernel) throws -> (start: UInt64, embedded: EmbeddedNode, type: String, member: String)? {
        guard let address = try WalkerArguments.address(start, table, kernel: kernel),
              let type = try WalkerArguments.text(type, table, "a type name"),
              let member = try WalkerArguments.text(member, table, "a member name") else { return nil }
        return (address, try EmbeddedNode(kernel: kernel, type: type, member: member), type, member)
    }

    /// The walk's rows; a walk stopped by a cycle or a bad link ends them
    /// with a warning (an error under --strict).
    static func rows(_ walk: NodeWalk, _ embedded: EmbeddedNode, table: String, in context: ConnectionContext) -> Rows<Row> {
        var ordinal: Int64 = 0
        return Rows {
            guard let node = walk.next() else {
                if let error = walk.stoppedBy { try WalkerArguments.stopped(table, error, in: context) }
                return nil
            }
            defer { ordinal += 1 }
            return (ordinal, node, embedded.container(node))
        }
    }

    static func kindName(_ kind: EmbeddedNode.Kind) -> String {
        switch kind {
        case .listHead: return "a struct list_head"
        case .hlistNode: return "a struct hlist_node"
        case .rbNode: return "a struct rb_node"
        case .other(let t): return "a \(t)"
        }
    }
}
