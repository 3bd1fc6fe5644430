import KdsqlMemory
import KdsqlKernel

/// `free_areas`: the buddy allocator's free blocks per order (/proc/buddyinfo, `kmem -f`).
struct FreeAreasTable: VirtualTable {
    typealias Row = FreeArea

    static var columns: Columns {
        Columns(
            node: .integer { $0.node },
            zone: .text { $0.zone },
            order: .integer { $0.order },
            freeBlocks: .integer { $0.freeBlocks },
            freePages: .integer { $0.freeBlocks << UInt64($0.order) })
    }
    static var estimatedRows: Double { 40 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).zones().freeAreas())
    }

    func rowIdentity(_ row: Row) -> RowIdentity {
        var h: UInt64 = 1469598103934665603
        for b in row.zone.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return RowIdentity(h, UInt64(row.node), UInt64(row.order))
    }
}
