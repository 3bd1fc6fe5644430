import KdsqlMemory
import KdsqlKernel

/// `net_devices`: every network device of every namespace (crash's `net`).
/// A handful of rows, so each device is read whole when the scan reaches it.
struct NetDevicesTable: VirtualTable {
    typealias Row = NetDevice

    static var columns: Columns {
        Columns(
            netns: .address { $0.netns },
            netnsInum: .integer { $0.netnsInum },
            name: .text { $0.name },
            ifindex: .integer { $0.ifindex },
            mtu: .integer { $0.mtu },
            flags: .integer { $0.flags },
            linkFlags: .integer { $0.linkFlags },
            flagsText: .text { $0.flagsText },
            operstate: .text { $0.operstate },
            type: .integer { $0.type },
            mac: .text { $0.mac },
            kind: .text { $0.kind },
            driver: .text { $0.driver },
            statsSource: .text { $0.statsSource },
            rxPackets: .integer { $0.rxPackets },
            rxBytes: .integer { $0.rxBytes },
            txPackets: .integer { $0.txPackets },
            txBytes: .integer { $0.txBytes },
            dev: .address { $0.address })
    }
    static var estimatedRows: Double { 10 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let walker = try context.session(neededBy: Self.name).netDevices()
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

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
