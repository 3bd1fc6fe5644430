import KdsqlMemory
import KdsqlKernel

/// `swap_devices`: active swap areas (/proc/swaps, crash's `swap`).
struct SwapDevicesTable: VirtualTable {
    typealias Row = SwapDevice

    static var columns: Columns {
        Columns(
            path: .text { $0.path },
            type: .text { $0.type },
            sizeKb: .integer { $0.sizeKB },
            usedKb: .integer { $0.usedKB },
            priority: .integer { $0.priority },
            swapType: .integer { $0.index },
            flags: .integer { $0.flags },
            address: .address { $0.address })
    }
    static var estimatedRows: Double { 2 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).swapDevices().all())
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
