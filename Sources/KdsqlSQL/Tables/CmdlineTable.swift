import KdsqlMemory
import KdsqlKernel

/// `cmdline`: each process's argv, read from its user pages through its own
/// page table (/proc/PID/cmdline). NULL where the dump left those pages out
/// (makedumpfile -d 8 and above drops user memory).
struct CmdlineTable: ProcessTable {
    struct Row {
        var process: ProcessRow
        var mm: UInt64
        var summary: MmSummary
        var reader: TaskCommandLine
        /// argv is read once per row, however many columns use it.
        var argv: Box

        func arguments() throws -> [String]? { try argv.get { try reader.argv(mm: mm) } }
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

    static var columns: Columns {
        Columns(
            pid: .integer { $0.process.pid },
            tid: .integer { try $0.process.tid },
            comm: .text { try $0.process.comm },
            mm: .address { $0.mm },
            argv: .text { try $0.arguments().map(TaskCommandLine.text) },
            argc: .integer { try $0.arguments()?.count },
            argStart: .address { try $0.summary.argStart($0.mm) },
            argEnd: .address { try $0.summary.argEnd($0.mm) })
    }
    static var rowsPerProcess: Double { 1 }
    static var estimatedRows: Double { 500 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let (session, next) = try ProcessTables.addressSpaces(pid: filter.pid, includeThreads: filter.includeThreads, context, neededBy: Self.name)
        let summary = try session.mmSummary()
        let reader = TaskCommandLine(kernel: session.kernel, summary: summary)
        let kernel = session.kernel
        return Rows(compactMapping: next, skipping: context, table: Self.name, object: "mm_struct", at: { $0.mm }) {
            _ = try kernel.readU64($0.mm)
            return Row(process: $0.process, mm: $0.mm, summary: summary, reader: reader, argv: Box())
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.process.task) }
}
