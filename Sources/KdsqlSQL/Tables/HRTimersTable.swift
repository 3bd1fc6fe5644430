import KdsqlMemory
import KdsqlKernel

/// `hrtimers`: the high-resolution timer queues of every CPU (crash `timer -r`).
struct HRTimersTable: VirtualTable {
    struct Row {
        var timer: HRTimer
        var walker: HRTimers
        var tasks: Tasks
    }
    static let name = "hrtimers"
    static var columns: [String: Column<Row>] {
        [
            "cpu": .integer { $0.timer.cpu },
            "clock_base": .text { $0.timer.clockBase },
            "softexpires": .integer { $0.timer.softExpires },
            "expires": .integer { $0.timer.expires },
            "expires_in_ns": .integer { $0.walker.monotonicNow == nil ? nil : $0.timer.expiresIn },
            "function": .text { $0.walker.kernel.symbols.describe($0.timer.function) },
            "function_address": .address { $0.timer.function },
            "timer": .address { $0.timer.timer },
            "state": .integer { $0.timer.state },
            "task": .address { $0.walker.sleeper($0.timer) },
            "task_pid": .integer { row in try row.walker.sleeper(row.timer).map { try row.tasks.pid($0) } },
        ]
    }
    static var estimatedRows: Double { 200 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let walker = try context.cached("hrtimers.walker") { try HRTimers(kernel: kernel) }
        let tasks = try context.cached("tasks.walker") { try Tasks(kernel: kernel) }
        let rows = try CPUConstraint.cpus(scan, kernel: kernel).flatMap { try walker.timers(cpu: $0) }
        return Rows(rows.lazy.map { Row(timer: $0, walker: walker, tasks: tasks) })
    }
}
