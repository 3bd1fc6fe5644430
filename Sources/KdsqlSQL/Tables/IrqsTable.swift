import KdsqlMemory
import KdsqlKernel

/// `irqs`: interrupt lines as /proc/interrupts lists them (crash's `irq`).
struct IrqsTable: VirtualTable {
    typealias Row = Interrupt

    static var columns: Columns {
        Columns(
            irq: .integer { $0.irq },
            chip: .text { $0.chip },
            hwirq: .integer { $0.hwirq },
            trigger: .text { $0.trigger },
            name: .text { $0.name },
            handler: .address { $0.handler },
            handlerSymbol: .text { $0.handlerSymbol },
            flowHandlerSymbol: .text { $0.flowHandlerSymbol },
            total: .integer { $0.counts.reduce(UInt64(0)) { $0 + $1.count } },
            descriptor: .address { $0.descriptor })
    }
    static var estimatedRows: Double { 30 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).interrupts().all())
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.descriptor) }
}
