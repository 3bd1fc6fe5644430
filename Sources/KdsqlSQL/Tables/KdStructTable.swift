import KdsqlMemory
import KdsqlKernel

/// `kd_struct(address, type)`: every member of the object, flattened, with
/// its value (crash's `struct -o ADDRESS` plus the values).
struct KdStructTable: VirtualTable {
    typealias Row = (object: UInt64, member: MemberAccessor, kernel: Kernel)

    static var columns: Columns {
        Columns(
            member: .text { $0.member.path.text },
            type: .text { $0.member.typeName },
            offset: .integer { $0.member.offset },
            size: .integer { $0.member.size },
            bitOffset: .integer { $0.member.bitSize > 0 ? $0.member.bitShift : nil },
            bitSize: .integer { $0.member.bitSize > 0 ? $0.member.bitSize : nil },
            // Typed per member, as kd_member: not always a BLOB.
            value: BlobColumn(get: { InspectFunctions.sqlValue(try $0.kernel.value(of: $0.member, in: $0.object)) }))
    }
    static var estimatedRows: Double { 300 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let address = filter.address?.uint64, let type = filter.structType?.string else { return .empty }
        let kernel = try context.kernel(neededBy: Self.name)
        return Rows(try kernel.cachedFlattenedMembers(of: type).map { (address, $0, kernel) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(text: row.member.path.text) }
}
