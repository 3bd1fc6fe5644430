import KdsqlMemory
import KdsqlKernel

/// `block_devices`: registered block device majors (/proc/devices).
struct BlockDevicesTable: VirtualTable {
    typealias Row = DeviceMajor

    static var columns: Columns {
        Columns(major: .integer { $0.major }, name: .text { $0.name })
    }
    static var estimatedRows: Double { 5 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).deviceMajors().blockDevices())
    }

    func rowIdentity(_ row: Row) -> RowIdentity {
        var h: UInt64 = 1469598103934665603
        for b in row.name.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return RowIdentity(UInt64(row.major), h)
    }
}
