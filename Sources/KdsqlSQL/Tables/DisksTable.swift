import KdsqlMemory
import KdsqlKernel

/// `disks`: disks and partitions with their I/O counters (/proc/partitions,
/// /proc/diskstats, crash's `dev -d`).
struct DisksTable: VirtualTable {
    typealias Row = Disk

    static var columns: Columns {
        Columns(
            major: .integer { $0.major },
            minor: .integer { $0.minor },
            name: .text { $0.name },
            partition: .integer { $0.partition },
            startSector: .integer { $0.startSector },
            sizeKb: .integer { $0.sizeKB },
            reads: .integer { $0.reads },
            writes: .integer { $0.writes },
            readSectors: .integer { $0.readSectors },
            writeSectors: .integer { $0.writtenSectors },
            inFlight: .integer { $0.inFlight },
            readOnly: .bool { $0.readOnly },
            bdev: .address { $0.address },
            disk: .address { $0.disk })
    }
    static var estimatedRows: Double { 10 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        do {
            return Rows(try session.disks().all())
        } catch let MemoryError.missing(why) {
            // Type information with neither layout (block_device from 5.11,
            // hd_struct before): no rows and a warning saying why, so queries
            // over all tables go on.
            context.warn("disks: \(why)")
            return .empty
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
