import KdsqlMemory
import KdsqlKernel

/// `cmdline`: each process's argv, read from its user pages through its own
/// page table (/proc/PID/cmdline). NULL where the dump left those pages out
/// (makedumpfile -d 8 and above drops user memory).
struct CmdlineTable: VirtualTable {
    struct Row {
        var pid: Int64
        var task: UInt64
        var mm: UInt64
        var walkers: Walkers
        /// argv is read once per row, however many columns use it.
        var argv: Box
    }

    final class Walkers {
        let tasks: Tasks, summary: MmSummary, reader: TaskCommandLine
        init(tasks: Tasks, summary: MmSummary) {
            self.tasks = tasks
            self.summary = summary
            self.reader = TaskCommandLine(kernel: tasks.kernel, summary: summary)
        }
    }

    final class Box {
        private var value: Result<[String]?, any Error>?
        func get(_ make: () throws -> [String]?) throws -> [String]? {
            if let value { return try value.get() }
            let v = Result { try make() }
            value = v
            return try v.get()
        }
    }

    static let name = "cmdline"
    static var columns: [String: Column<Row>] {
        [
            "pid": .integer { $0.pid },
            "tid": .integer { try $0.walkers.tasks.pid($0.task) },
            "comm": .text { try $0.walkers.tasks.comm($0.task) },
            "mm": .address { $0.mm },
            "argv": .text { row in try argv(row).map(TaskCommandLine.text) },
            "argc": .integer { row in try argv(row)?.count },
            "arg_start": .address { try $0.walkers.summary.argStart($0.mm) },
            "arg_end": .address { try $0.walkers.summary.argEnd($0.mm) },
            "include_threads": .argument,
        ]
    }

    static func argv(_ row: Row) throws -> [String]? {
        try row.argv.get { try row.walkers.reader.argv(mm: row.mm) }
    }

    static var estimatedRows: Double { 500 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        ProcessTables.plan(query, fullScanRows: Self.estimatedRows, rowsPerProcess: 1)
    }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let spaces = try ProcessTables.addressSpaces(scan, context, neededBy: Self.name)
        let walkers = Walkers(tasks: spaces.tasks, summary: spaces.summary)
        return Rows(compactMapping: spaces.next) { Row(pid: $0.pid, task: $0.task, mm: $0.mm, walkers: walkers, argv: Box()) }
    }
}
