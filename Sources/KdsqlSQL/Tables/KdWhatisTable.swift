import KdsqlMemory
import KdsqlKernel

/// `kd_whatis(address)`: one row saying what the address is (crash's `kmem ADDR`).
struct KdWhatisTable: VirtualTable {
    typealias Row = (address: UInt64, identity: AddressIdentity)

    static var columns: Columns {
        Columns(
            kind: .text { $0.identity.kind },
            cache: .text { $0.identity.cache },
            object: .address { $0.identity.object },
            offset: .integer { $0.identity.offset },
            page: .address { $0.identity.page },
            symbol: .text { $0.identity.symbol },
            allocated: .bool { $0.identity.allocated },
            pid: .integer { $0.identity.pid })
    }
    static var estimatedRows: Double { 1 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let address = filter.address?.uint64 else { return .empty }
        let identity = try context.session(neededBy: Self.name).whatis().identify(address)
        return Rows([(address, identity)])
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
