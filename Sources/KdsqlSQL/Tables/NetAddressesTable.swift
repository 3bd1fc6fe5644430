import KdsqlMemory
import KdsqlKernel

/// `net_addresses`: IPv4 and IPv6 addresses of every device (`ip addr`).
struct NetAddressesTable: VirtualTable {
    typealias Row = NetAddress

    static let name = "net_addresses"
    static var columns: [String: Column<Row>] {
        [
            "netns": .address { $0.netns },
            "ifname": .text { $0.ifname },
            "ifindex": .integer { $0.ifindex },
            "family": .text { $0.family },
            "address": .text { $0.text },
            "prefix_len": .integer { $0.prefixLength },
            "scope": .text { $0.scope },
            "scope_raw": .integer { $0.scopeRaw },
            "flags": .integer { $0.flags },
            "label": .text { $0.label },
            "broadcast": .text { $0.broadcast },
            "valid_lft": .integer { $0.validLifetime },
            "preferred_lft": .integer { $0.preferredLifetime },
            "ifaddr": .address { $0.address },
            "dev": .address { $0.device },
        ]
    }
    static var estimatedRows: Double { 20 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let devices = try context.cached("net.devices") { try NetDevices(kernel: kernel) }
        let walker = try context.cached("net.addresses") { try NetAddresses(kernel: kernel, devices: devices) }
        return Rows(try walker.all())
    }
}
