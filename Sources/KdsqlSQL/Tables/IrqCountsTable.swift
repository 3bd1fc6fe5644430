import KdsqlMemory
import KdsqlKernel

/// `irq_counts`: per-CPU interrupt counts of the lines `irqs` lists.
struct IrqCountsTable: VirtualTable {
    struct Row {
        var irq: Int64
        var descriptor: UInt64
        var cpu: Int
        var count: UInt64
    }

    static var columns: Columns {
        Columns(irq: .integer { $0.irq }, cpu: .integer { $0.cpu }, count: .integer { $0.count })
    }
    static var estimatedRows: Double { 60 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).interrupts().all().flatMap { i in
            i.counts.map { Row(irq: i.irq, descriptor: i.descriptor, cpu: $0.cpu, count: $0.count) }
        })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.descriptor, UInt64(row.cpu)) }
}
