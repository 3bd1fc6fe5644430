import KdsqlSQL

/// The crash-style banner the shell (and `--sample` runs) print on start,
/// from the first row of `SELECT * FROM sys`:
///
/// ```
///       KERNEL: vmlinux
///     DUMPFILE: vmcore
///         CPUS: 2
/// LOAD AVERAGE: 0.00, 0.01, 0.05
/// ```
/// A dump without a `sys` table gets no banner, and a missing or NULL
/// column just leaves its line out.
public enum SysSummary {
    public static func lines(for database: KdsqlDatabase) -> [String] {
        guard let statement = try? database.prepare("SELECT * FROM sys"),
              let row = try? statement.rows().first else { return [] }
        var values: [String: SQLValue] = [:]
        for (name, value) in zip(statement.columnNames, row) where !value.isNull { values[name] = value }
        return lines(values)
    }

    static func lines(_ values: [String: SQLValue]) -> [String] {
        var out: [(String, String)] = []
        func text(_ key: String) -> String? { values[key].map { ValueText.plain($0, null: "") } }
        func add(_ label: String, _ value: String?) { if let value, !value.isEmpty { out.append((label, value)) } }

        add("KERNEL", text("kernel"))
        add("DUMPFILE", text("dumpfile"))
        add("CPUS", text("cpus"))
        add("DATE", text("date"))
        add("UPTIME", text("uptime"))
        let loads = ["load_average_1", "load_average_5", "load_average_15"].compactMap { values[$0] }
        if loads.count == 3 { add("LOAD AVERAGE", loads.map(twoDecimals).joined(separator: ", ")) }
        add("TASKS", text("tasks"))
        add("NODENAME", text("nodename"))
        add("RELEASE", text("release"))
        add("VERSION", text("version"))
        add("MACHINE", text("machine"))
        if case let .integer(bytes)? = values["memory_bytes"] { add("MEMORY", memory(bytes)) }
        if let panic = text("panic"), !panic.isEmpty {
            add("PANIC", "\"\(panic)\"")
            add("PID", text("panic_pid"))
            add("COMMAND", text("panic_comm").map { "\"\($0)\"" })
            if case let .integer(task)? = values["panic_task"] { add("TASK", String(UInt64(bitPattern: task), radix: 16)) } else { add("TASK", text("panic_task")) }
            add("CPU", text("panic_cpu"))
        }
        // crash right-aligns the labels on the longest one, "LOAD AVERAGE".
        return out.map { String(repeating: " ", count: max(0, 12 - $0.0.count)) + $0.0 + ": " + $0.1 }
    }

    static func twoDecimals(_ value: SQLValue) -> String {
        let number: Double
        switch value {
        case let .real(v): number = v
        case let .integer(v): number = Double(v)
        default: return ValueText.plain(value, null: "")
        }
        let hundredths = Int((number * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100).\(fraction.count == 1 ? "0" : "")\(fraction)"
    }

    /// As crash prints it: the largest binary unit, one decimal when not whole.
    static func memory(_ bytes: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10) \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
