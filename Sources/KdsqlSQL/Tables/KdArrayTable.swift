import KdsqlMemory
import KdsqlKernel

/// `kd_array(base, type, count)`: the addresses of `count` consecutive
/// elements of `type` (its size from the type info). Nothing is read, so
/// the rows exist even where the memory is not in the dump.
struct KdArrayTable: VirtualTable {
    typealias Row = (ordinal: Int, address: UInt64)
    static let maximumCount = 1 << 24

    static var columns: Columns {
        Columns(
            ordinal: .integer { Int64($0.ordinal) },
            address: .address { $0.address })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let base = try WalkerArguments.address(filter.base, Self.name, kernel: kernel),
              let type = try WalkerArguments.text(filter.type, Self.name, "a type name"),
              let count = try WalkerArguments.count(filter.count, Self.name, "count", maximum: Self.maximumCount) else { return .empty }
        let size = UInt64(try CTypeSpelling.size(of: type, kernel: kernel))
        return Rows((0..<count).lazy.map { (ordinal: $0, address: base &+ UInt64($0) &* size) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.ordinal) }
}
