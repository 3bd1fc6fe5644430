import KdsqlMemory
import KdsqlKernel

/// `runqueues`: running and queued tasks per CPU (crash `runq`).
struct RunqueuesTable: VirtualTable {
    typealias Row = RunQueueEntry
    static var columns: Columns {
        Columns(
            cpu: .integer { $0.cpu },
            class: .text { $0.schedClass },
            isCurrent: .bool { $0.isCurrent },
            pid: .integer { $0.pid },
            comm: .text { $0.comm },
            prio: .integer { $0.prio },
            vruntime: .integer { $0.vruntime },
            deadline: .integer { $0.deadline },
            task: .address { $0.task },
            cfsRq: .address { $0.cfsRq },
            depth: .integer { $0.depth })
    }
    static var estimatedRows: Double { 20 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let walker = try session.runQueues()
        return Rows(try CPUConstraint.cpus(filter.cpu, kernel: session.kernel).flatMap { try walker.entries(cpu: $0) })
    }

    /// A task is queued once per CPU (the current task also sits in its class's queue only once).
    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(UInt64(row.cpu), row.task, row.isCurrent ? 1 : 0) }
}
