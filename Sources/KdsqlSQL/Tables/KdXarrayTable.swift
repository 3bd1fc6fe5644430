import KdsqlMemory
import KdsqlKernel

/// `kd_xarray(root)`: the entries of an XArray, radix tree or IDR. Since
/// Linux 4.20 `struct radix_tree_root` is `struct xarray` (include/linux/
/// radix-tree.h) and `struct idr` begins with one (include/linux/idr.h), so
/// one walk serves all three from `xa_head`.
struct KdXarrayTable: VirtualTable {
    typealias Row = (index: UInt64, entry: UInt64)

    static var columns: Columns {
        Columns(
            index: .integer { Int64(bitPattern: $0.index) },
            entry: .address { $0.entry },
            isValue: .bool { XArray.isValue($0.entry) })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let root = try WalkerArguments.address(filter.root, Self.name, kernel: kernel) else { return .empty }
        let head = try kernel.readU64(root + (try kernel.field("struct xarray", "xa_head")).offset)
        let xarray = try XArray(kernel: kernel)
        do {
            let entries = try xarray.entries(head: head, values: true) { node, error in
                if context.options.strict { throw error }
                let message = "\(Self.name): node 0x\(String(node, radix: 16)) unreadable (\(errorText(error))); its entries are missing"
                context.warn(message)
                WalkerArguments.record(message, at: node, because: error, in: context)
            }
            return Rows(entries.map { (index: $0.index, entry: $0.entry) })
        } catch let error as MemoryError {
            // A corrupt tree (too deep, too many entries) has no trustworthy rows.
            try WalkerArguments.stopped(Self.name, error, in: context)
            return .empty
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.index, row.entry) }
}
