import KdsqlMemory
import KdsqlKernel

/// `net_addresses`: IPv4 and IPv6 addresses of every device (`ip addr`).
struct NetAddressesTable: VirtualTable {
    typealias Row = NetAddress

    static var columns: Columns {
        Columns(
            netns: .address { $0.netns },
            ifname: .text { $0.ifname },
            ifindex: .integer { $0.ifindex },
            family: .text { $0.family },
            address: .text { $0.text },
            prefixLen: .integer { $0.prefixLength },
            scope: .text { $0.scope },
            scopeRaw: .integer { $0.scopeRaw },
            flags: .integer { $0.flags },
            label: .text { $0.label },
            broadcast: .text { $0.broadcast },
            validLft: .integer { $0.validLifetime },
            preferredLft: .integer { $0.preferredLifetime },
            ifaddr: .address { $0.address },
            dev: .address { $0.device })
    }
    static var estimatedRows: Double { 20 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).netAddresses().all())
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
