import KdsqlMemory
import KdsqlKernel

/// `timers`: the jiffies timer wheels of every CPU (crash `timer`).
struct TimersTable: VirtualTable {
    struct Row {
        var timer: WheelTimer
        var wheel: TimerWheel
        var tasks: Tasks
        var symbols: (UInt64) -> String? { wheel.kernel.symbols.describe }
    }
    static let name = "timers"
    static var columns: [String: Column<Row>] {
        [
            "cpu": .integer { $0.timer.cpu },
            "base": .text { $0.timer.base },
            "expires": .integer { $0.timer.expires },
            "expires_in": .integer { $0.timer.expiresIn },
            "function": .text { $0.symbols($0.timer.function) },
            "function_address": .address { $0.timer.function },
            "timer": .address { $0.timer.timer },
            "flags": .integer { $0.timer.flags },
            "flag_letters": .text { TimerFlags.letters($0.timer.flags) },
            "bucket": .integer { $0.timer.bucket },
            "level": .integer { $0.timer.level },
            "task_pid": .integer { row in try row.wheel.sleepingTask(row.timer).map { try row.tasks.pid($0) } },
            "work_function": .text { row in row.wheel.delayedWorkFunction(row.timer).flatMap(row.symbols) },
        ]
    }
    static var estimatedRows: Double { 200 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let wheel = try context.cached("timers.walker") { try TimerWheel(kernel: kernel) }
        let tasks = try context.cached("tasks.walker") { try Tasks(kernel: kernel) }
        let rows = try CPUConstraint.cpus(scan, kernel: kernel).flatMap { try wheel.timers(cpu: $0) }
        return Rows(rows.lazy.map { Row(timer: $0, wheel: wheel, tasks: tasks) })
    }
}
