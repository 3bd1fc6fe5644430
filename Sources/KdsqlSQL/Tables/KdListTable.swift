import KdsqlMemory
import KdsqlKernel

/// `kd_list(head, type, member)`: the entries of a list_head or hlist
/// (crash's `list -H head -s type.member`), lazily, so LIMIT stops the walk.
struct KdListTable: VirtualTable {
    typealias Row = NodeWalkRows.Row

    static var columns: Columns {
        Columns(
            ordinal: .integer { $0.ordinal },
            address: .address { $0.address },
            node: .address { $0.node })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let (head, embedded, type, member) = try NodeWalkRows.arguments(
            filter.head, filter.type, filter.member, table: Self.name, kernel: kernel) else { return .empty }
        let shape: NodeWalk.Shape
        switch embedded.kind {
        case .listHead: shape = .list
        case .hlistNode: shape = .hlist
        case .rbNode, .other:
            throw FunctionArgumentError(Self.name, "\(type).\(member) is \(NodeWalkRows.kindName(embedded.kind)), not a struct list_head or struct hlist_node")
        }
        let walk = try NodeWalk(kernel: kernel, head: head, shape: shape,
                                what: "kd_list(0x\(String(head, radix: 16)), \(type), \(member))")
        return NodeWalkRows.rows(walk, embedded, table: Self.name, in: context)
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.node, UInt64(row.ordinal)) }
}
