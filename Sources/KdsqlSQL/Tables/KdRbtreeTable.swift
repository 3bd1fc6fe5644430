import KdsqlMemory
import KdsqlKernel

/// `kd_rbtree(root, type, member)`: the entries of a red-black tree in
/// order (crash's `tree -t rbtree -o member -s type`).
struct KdRbtreeTable: VirtualTable {
    typealias Row = NodeWalkRows.Row

    static var columns: Columns {
        Columns(
            ordinal: .integer { $0.ordinal },
            address: .address { $0.address },
            node: .address { $0.node })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let (root, embedded, type, member) = try NodeWalkRows.arguments(
            filter.root, filter.type, filter.member, table: Self.name, kernel: kernel) else { return .empty }
        guard embedded.kind == .rbNode else {
            throw FunctionArgumentError(Self.name, "\(type).\(member) is \(NodeWalkRows.kindName(embedded.kind)), not a struct rb_node")
        }
        // struct rb_root_cached begins with its struct rb_root
        // (include/linux/rbtree_types.h), so both are walked from `root`.
        let walk = try NodeWalk(kernel: kernel, head: root, shape: .rbtree,
                                what: "kd_rbtree(0x\(String(root, radix: 16)), \(type), \(member))")
        return NodeWalkRows.rows(walk, embedded, table: Self.name, in: context)
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.node, UInt64(row.ordinal)) }
}
