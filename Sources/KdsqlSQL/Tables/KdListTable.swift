import KdsqlMemory
import KdsqlKernel

/// `kd_list(head, type, member)`: the entries of a list_head or hlist
/// (crash's `list -H head -s type.member`), lazily, so LIMIT stops the walk.
struct KdListTable: VirtualTable {
    typealias Row = (ordinal: Int64, node: UInt64, address: UInt64)

    static var columns: Columns {
        Columns(
            ordinal: .integer { $0.ordinal },
            address: .address { $0.address },
            node: .address { $0.node })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let head = try WalkerArguments.address(filter.head, Self.name, kernel: kernel),
              let type = try WalkerArguments.text(filter.type, Self.name, "a type name"),
              let member = try WalkerArguments.text(filter.member, Self.name, "a member name") else { return .empty }
        let embedded = try EmbeddedNode(kernel: kernel, type: type, member: member)
        let shape: NodeWalk.Shape
        switch embedded.kind {
        case .listHead: shape = .list
        case .hlistNode: shape = .hlist
        case .rbNode, .other:
            throw FunctionArgumentError(Self.name, "\(type).\(member) is \(Self.kindName(embedded.kind)), not a struct list_head or struct hlist_node")
        }
        let walk = try NodeWalk(kernel: kernel, head: head, shape: shape,
                                what: "kd_list(0x\(String(head, radix: 16)), \(type), \(member))")
        var ordinal: Int64 = 0
        return Rows {
            guard let node = walk.next() else {
                if let error = walk.stoppedBy { try WalkerArguments.stopped(Self.name, error, in: context) }
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

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.node, UInt64(row.ordinal)) }
}
