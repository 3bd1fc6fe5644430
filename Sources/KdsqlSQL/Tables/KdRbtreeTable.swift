import KdsqlMemory
import KdsqlKernel

/// `kd_rbtree(root, type, member)`: the entries of a red-black tree in
/// order (crash's `tree -t rbtree -o member -s type`).
struct KdRbtreeTable: VirtualTable {
    typealias Row = (ordinal: Int64, node: UInt64, address: UInt64)

    static var columns: Columns {
        Columns(
            ordinal: .integer { $0.ordinal },
            address: .address { $0.address },
            node: .address { $0.node })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let root = try WalkerArguments.address(filter.root, Self.name, kernel: kernel),
              let type = try WalkerArguments.text(filter.type, Self.name, "a type name"),
              let member = try WalkerArguments.text(filter.member, Self.name, "a member name") else { return .empty }
        let embedded = try EmbeddedNode(kernel: kernel, type: type, member: member)
        guard embedded.kind == .rbNode else {
            throw FunctionArgumentError(Self.name, "\(type).\(member) is \(KdListTable.kindName(embedded.kind)), not a struct rb_node")
        }
        // struct rb_root_cached begins with its struct rb_root
        // (include/linux/rbtree_types.h), so both are walked from `root`.
        let walk = try NodeWalk(kernel: kernel, head: root, shape: .rbtree,
                                what: "kd_rbtree(0x\(String(root, radix: 16)), \(type), \(member))")
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

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.node, UInt64(row.ordinal)) }
}
