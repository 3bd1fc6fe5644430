import KdsqlMemory
import KdsqlKernel

/// `runqueues`: running and queued tasks per CPU (crash `runq`).
struct RunqueuesTable: VirtualTable {
    typealias Row = RunQueueEntry
    static let name = "runqueues"
    static var columns: [String: Column<Row>] {
        [
            "cpu": .integer { $0.cpu },
            "class": .text { $0.schedClass },
            "is_current": .bool { $0.isCurrent },
            "pid": .integer { $0.pid },
            "comm": .text { $0.comm },
            "prio": .integer { $0.prio },
            "vruntime": .integer { $0.vruntime },
            "deadline": .integer { $0.deadline },
            "task": .address { $0.task },
            "cfs_rq": .address { $0.cfsRq },
            "depth": .integer { $0.depth },
        ]
    }
    static var estimatedRows: Double { 20 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let walker = try context.cached("runqueues.walker") {
            try RunQueues(kernel: kernel, tasks: try context.cached("tasks.walker") { try Tasks(kernel: kernel) })
        }
        return Rows(try CPUConstraint.cpus(scan, kernel: kernel).flatMap { try walker.entries(cpu: $0) })
    }
}
