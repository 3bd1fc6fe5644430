import KdsqlMemory
import KdsqlKernel

/// `neighbours`: ARP and IPv6 ND cache entries of every namespace (`ip neigh`, crash's `net -a`).
struct NeighboursTable: VirtualTable {
    typealias Row = Neighbour

    static var columns: Columns {
        Columns(
            netns: .address { $0.netns },
            netnsInum: .integer { $0.netnsInum },
            ifname: .text { $0.ifname },
            family: .text { $0.family },
            address: .text { $0.destination },
            lladdr: .text { $0.lladdr },
            state: .text { $0.state },
            stateRaw: .integer { $0.stateRaw },
            isRouter: .bool { $0.isRouter },
            neighbour: .address { $0.address })
    }
    static var estimatedRows: Double { 20 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).neighbours().all())
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
