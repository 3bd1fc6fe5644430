import KdsqlMemory
import KdsqlKernel

/// `net_devices`: every network device of every namespace (crash's `net`).
/// A handful of rows, so each device is read whole when the scan reaches it.
struct NetDevicesTable: VirtualTable {
    typealias Row = NetDevice

    static let name = "net_devices"
    static var columns: [String: Column<Row>] {
        [
            "netns": .address { $0.netns },
            "netns_inum": .integer { $0.netnsInum },
            "name": .text { $0.name },
            "ifindex": .integer { $0.ifindex },
            "mtu": .integer { $0.mtu },
            "flags": .integer { $0.flags },
            "link_flags": .integer { $0.linkFlags },
            "flags_text": .text { $0.flagsText },
            "operstate": .text { $0.operstate },
            "type": .integer { $0.type },
            "mac": .text { $0.mac },
            "kind": .text { $0.kind },
            "driver": .text { $0.driver },
            "stats_source": .text { $0.statsSource },
            "rx_packets": .integer { $0.rxPackets },
            "rx_bytes": .integer { $0.rxBytes },
            "tx_packets": .integer { $0.txPackets },
            "tx_bytes": .integer { $0.txBytes },
            "dev": .address { $0.address },
        ]
    }
    static var estimatedRows: Double { 10 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let walker = try context.cached("net.devices") { try NetDevices(kernel: kernel) }
        // The lists are walked up front (a list error fails the scan); each
        // device is then read when SQLite asks for its row, so LIMIT stops early.
        var pending: [(net: UInt64, dev: UInt64)] = []
        for net in try walker.namespaces() {
            pending += try walker.deviceAddresses(in: net).map { (net, $0) }
        }
        var index = 0
        return Rows(next: {
            guard index < pending.count else { return nil }
            index += 1
            return try walker.device(at: pending[index - 1].dev, net: pending[index - 1].net)
        })
    }
}
