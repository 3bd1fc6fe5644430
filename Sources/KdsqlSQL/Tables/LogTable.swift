import KdsqlKernel

/// `log`: one row per kernel log record, oldest first (crash's `log`, dmesg).
struct LogTable: VirtualTable {
    typealias Row = LogRecord

    static var columns: Columns {
        Columns(
            seq: .integer { $0.seq },
            tsNs: .integer { $0.tsNs },
            timeS: .real { $0.tsNs.map { Double($0) / 1e9 } },
            level: .integer { $0.level },
            facility: .integer { $0.facility },
            priority: .integer { $0.syslogPriority },
            callerTid: .integer { $0.callerTid },
            callerCpu: .integer { $0.callerCPU },
            text: .text { $0.text },
            line: .text { r in
                r.text.map { _ in r.lines.map { (r.tsNs.map { LogRecord.formatTimestamp($0) + " " } ?? "") + $0 }.joined(separator: "\n") }
            },
            subsystem: .text { $0.subsystem },
            device: .text { $0.device },
            flags: .integer { $0.flags },
            state: .text { $0.state })
    }
    static var estimatedRows: Double { 2000 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<LogRecord> {
        Rows(try context.session(neededBy: Self.name).log().log.records)
    }

    func rowIdentity(_ row: LogRecord) -> RowIdentity { RowIdentity(row.seq) }
}
