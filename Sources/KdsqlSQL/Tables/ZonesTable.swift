import KdsqlMemory
import KdsqlKernel

/// `zones`: every zone of every node (/proc/zoneinfo, crash's `kmem -z`).
struct ZonesTable: VirtualTable {
    typealias Row = MemoryZone

    static var columns: Columns {
        Columns(
            node: .integer { $0.node },
            zone: .text { $0.name },
            freePages: .integer { $0.freePages },
            freePagesPercpu: .integer { $0.freePagesPerCPU },
            min: .integer { $0.min },
            low: .integer { $0.low },
            high: .integer { $0.high },
            boost: .integer { $0.boost },
            managed: .integer { $0.managed },
            present: .integer { $0.present },
            spanned: .integer { $0.spanned },
            startPfn: .integer { $0.startPfn },
            populated: .bool { $0.populated },
            address: .address { $0.address })
    }
    static var estimatedRows: Double { 5 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).zones().all())
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
