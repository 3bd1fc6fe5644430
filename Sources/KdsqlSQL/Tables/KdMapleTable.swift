import KdsqlMemory
import KdsqlKernel

/// `kd_maple(root)`: the ranges of a maple tree (lib/maple_tree.c, 6.1+),
/// lazily in index order through the kernel layer's MapleTree.
struct KdMapleTable: VirtualTable {
    typealias Row = MapleTree.Range

    static var columns: Columns {
        Columns(
            indexFirst: .integer { Int64(bitPattern: $0.first) },
            indexLast: .integer { Int64(bitPattern: $0.last) },
            entry: .address { $0.entry })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let root = try WalkerArguments.address(filter.root, Self.name, kernel: kernel) else { return .empty }
        guard kernel.hasField("struct maple_tree", "ma_root") else {
            throw FunctionArgumentError(Self.name, "this kernel has no maple trees (struct maple_tree is new in Linux 6.1)")
        }
        let maRoot = try kernel.readU64(root + (try kernel.field("struct maple_tree", "ma_root")).offset)
        var ranges: [MapleTree.Range] = []
        do {
            try MapleTree(kernel: kernel).forEach(root: maRoot, what: "kd_maple(0x\(String(root, radix: 16)))") {
                ranges.append($0)
                return true
            }
        } catch {
            try WalkerArguments.stopped(Self.name, error, in: context)
        }
        return Rows(ranges)
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.first, row.last, row.entry) }
}
