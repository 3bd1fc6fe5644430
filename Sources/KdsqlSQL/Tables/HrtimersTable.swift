import KdsqlMemory
import KdsqlKernel

/// `hrtimers`: the high-resolution timer queues of every CPU (crash `timer -r`).
struct HrtimersTable: VirtualTable {
    struct Row {
        var timer: HRTimer
        var walker: HRTimers
        var tasks: Tasks
        var names: AddressNames
    }
    static var columns: Columns {
        Columns(
            cpu: .integer { $0.timer.cpu },
            clockBase: .text { $0.timer.clockBase },
            softexpires: .integer { $0.timer.softExpires },
            expires: .integer { $0.timer.expires },
            expiresInNs: .integer { $0.walker.monotonicNow == nil ? nil : $0.timer.expiresIn },
            function: .text { $0.names.describe($0.timer.function) },
            functionAddress: .address { $0.timer.function },
            timer: .address { $0.timer.timer },
            state: .integer { $0.timer.state },
            task: .address { $0.walker.sleeper($0.timer) },
            taskPid: .integer { row in try row.walker.sleeper(row.timer).map { try row.tasks.pid($0) } })
    }
    static var estimatedRows: Double { 200 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let walker = try session.hrTimers()
        let tasks = try session.tasks()
        let names = session.addressNames()
        let rows = try CPUConstraint.cpus(filter.cpu, kernel: session.kernel).flatMap { try walker.timers(cpu: $0) }
        return Rows(rows.lazy.map { Row(timer: $0, walker: walker, tasks: tasks, names: names) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.timer.timer, UInt64(row.timer.cpu)) }
}
