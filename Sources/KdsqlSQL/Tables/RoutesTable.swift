import KdsqlMemory
import KdsqlKernel

/// `routes`: IPv4 and IPv6 routes of every table of every namespace (`ip route show table all`).
struct RoutesTable: VirtualTable {
    typealias Row = Route

    static var columns: Columns {
        Columns(
            netns: .address { $0.netns },
            netnsInum: .integer { $0.netnsInum },
            family: .text { $0.family },
            table: .text { Route.tableName($0.table) },
            tableId: .integer { $0.table },
            destination: .text { $0.destination },
            prefixLen: .integer { $0.prefixLength },
            gateway: .text { $0.gateway },
            ifname: .text { $0.ifname },
            metric: .integer { $0.metric },
            scope: .text { $0.scope },
            type: .text { $0.type },
            protocol: .integer { $0.protocolNumber },
            route: .address { $0.address })
    }
    static var estimatedRows: Double { 50 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).routes().all())
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
