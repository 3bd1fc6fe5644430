import KdsqlMemory
import KdsqlKernel

/// `cpus`: one row per possible CPU with its run queue's summary.
struct CpusTable: VirtualTable {
    struct Row {
        var rq: CPURunQueue
        var tasks: Tasks
    }
    static let name = "cpus"
    static var columns: [String: Column<Row>] {
        [
            "cpu": .integer { $0.rq.cpu },
            "pid": .integer { row in row.rq.current == 0 ? nil : try row.tasks.pid(row.rq.current) },
            "comm": .text { row in row.rq.current == 0 ? nil : try row.tasks.comm(row.rq.current) },
            "task": .address { $0.rq.current == 0 ? nil : $0.rq.current },
            "nr_running": .integer { $0.rq.nrRunning },
            "clock": .integer { $0.rq.clock },
            "idle_task": .address { $0.rq.idle == 0 ? nil : $0.rq.idle },
            "is_online": .bool { $0.rq.isOnline },
            "rq": .address { $0.rq.rq },
        ]
    }
    static var estimatedRows: Double { 8 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let tasks = try context.cached("tasks.walker") { try Tasks(kernel: kernel) }
        let walker = try context.cached("runqueues.walker") { try RunQueues(kernel: kernel, tasks: tasks) }
        let wanted = Set(try CPUConstraint.cpus(scan, kernel: kernel))
        return Rows(try walker.cpus().filter { wanted.contains($0.cpu) }.map { Row(rq: $0, tasks: tasks) })
    }
}
