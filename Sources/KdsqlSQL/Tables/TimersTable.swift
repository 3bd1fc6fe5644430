import KdsqlMemory
import KdsqlKernel

/// `timers`: the jiffies timer wheels of every CPU (crash `timer`).
struct TimersTable: VirtualTable {
    struct Row {
        var timer: WheelTimer
        var wheel: TimerWheel
        var tasks: Tasks
        var names: AddressNames
        var symbols: (UInt64) -> String? { names.describe }
    }
    static var columns: Columns {
        Columns(
            cpu: .integer { $0.timer.cpu },
            base: .text { $0.timer.base },
            expires: .integer { $0.timer.expires },
            expiresIn: .integer { $0.timer.expiresIn },
            function: .text { $0.symbols($0.timer.function) },
            functionAddress: .address { $0.timer.function },
            timer: .address { $0.timer.timer },
            flags: .integer { $0.timer.flags },
            flagLetters: .text { TimerFlags.letters($0.timer.flags) },
            bucket: .integer { $0.timer.bucket },
            level: .integer { $0.timer.level },
            taskPid: .integer { row in try row.wheel.sleepingTask(row.timer).map { try row.tasks.pid($0) } },
            workFunction: .text { row in row.wheel.delayedWorkFunction(row.timer).flatMap(row.symbols) })
    }
    static var estimatedRows: Double { 200 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let wheel = try session.timerWheel()
        let tasks = try session.tasks()
        let names = session.addressNames()
        let rows = try CPUConstraint.cpus(filter.cpu, kernel: session.kernel).flatMap { try wheel.timers(cpu: $0) }
        return Rows(rows.lazy.map { Row(timer: $0, wheel: wheel, tasks: tasks, names: names) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.timer.timer, UInt64(row.timer.cpu)) }
}
