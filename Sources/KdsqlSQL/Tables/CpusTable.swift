import KdsqlMemory
import KdsqlKernel

/// `cpus`: one row per possible CPU with its run queue's summary.
struct CpusTable: VirtualTable {
    struct Row {
        var rq: CPURunQueue
        var tasks: Tasks
    }
    static var columns: Columns {
        Columns(
            cpu: .integer { $0.rq.cpu },
            pid: .integer { row in row.rq.current == 0 ? nil : try row.tasks.pid(row.rq.current) },
            comm: .text { row in row.rq.current == 0 ? nil : try row.tasks.comm(row.rq.current) },
            task: .address { $0.rq.current == 0 ? nil : $0.rq.current },
            nrRunning: .integer { $0.rq.nrRunning },
            clock: .integer { $0.rq.clock },
            idleTask: .address { $0.rq.idle == 0 ? nil : $0.rq.idle },
            isOnline: .bool { $0.rq.isOnline },
            rq: .address { $0.rq.rq })
    }
    static var estimatedRows: Double { 8 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let tasks = try session.tasks()
        let wanted = Set(try CPUConstraint.cpus(filter.cpu, kernel: session.kernel))
        return Rows(try session.runQueues().cpus().filter { wanted.contains($0.cpu) }.map { Row(rq: $0, tasks: tasks) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.rq.cpu) }
}
