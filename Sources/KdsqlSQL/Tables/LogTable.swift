import KdsqlKernel

/// `log`: one row per kernel log record, oldest first (crash's `log`, dmesg).
struct LogTable: VirtualTable {
    static let name = "log"
    static var columns: [String: Column<LogRecord>] {
        [
            "seq": .integer { $0.seq },
            "ts_ns": .integer { $0.tsNs },
            "time_s": .real { $0.tsNs.map { Double($0) / 1e9 } },
            "level": .integer { $0.level },
            "facility": .integer { $0.facility },
            "priority": .integer { $0.syslogPriority },
            "caller_tid": .integer { $0.callerTid },
            "caller_cpu": .integer { $0.callerCPU },
            "text": .text { $0.text },
            "line": .text { r in
                r.text.map { _ in r.lines.map { (r.tsNs.map { LogRecord.formatTimestamp($0) + " " } ?? "") + $0 }.joined(separator: "\n") }
            },
            "subsystem": .text { $0.subsystem },
            "device": .text { $0.device },
            "flags": .integer { $0.flags },
            "state": .text { $0.state },
        ]
    }
    static var estimatedRows: Double { 2000 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<LogRecord> {
        Rows(try KernelLogCache.get(context, neededBy: Self.name).log.records)
    }

    func rowid(_ row: LogRecord) -> Int64? { Int64(bitPattern: row.seq) }
}
