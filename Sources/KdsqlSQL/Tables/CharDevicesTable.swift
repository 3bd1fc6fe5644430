import KdsqlMemory
import KdsqlKernel

/// `char_devices`: registered character device ranges (/proc/devices, crash's `dev`).
struct CharDevicesTable: VirtualTable {
    typealias Row = DeviceMajor

    static var columns: Columns {
        Columns(
            major: .integer { $0.major },
            name: .text { $0.name },
            baseMinor: .integer { $0.baseMinor },
            minors: .integer { $0.minorCount })
    }
    static var estimatedRows: Double { 30 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).deviceMajors().characterDevices())
    }

    func rowIdentity(_ row: Row) -> RowIdentity {
        var h: UInt64 = 1469598103934665603
        for b in row.name.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return RowIdentity(UInt64(row.major), UInt64(row.baseMinor ?? 0), h)
    }
}
