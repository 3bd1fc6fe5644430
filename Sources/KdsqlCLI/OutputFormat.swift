import ArgumentParser

/// The ways a result can be written (`--format`, `.mode`).
public enum OutputFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    case table, csv, json, jsonl, line

    /// People get a table; pipes and files get CSV.
    public static func defaultFor(terminal: Bool) -> OutputFormat { terminal ? .table : .csv }

    public func makeFormatter(headers: Bool) -> any RowFormatter {
        switch self {
        case .table: return TableFormatter(headers: headers)
        case .csv: return CSVFormatter(headers: headers)
        case .json: return JSONFormatter(style: .array)
        case .jsonl: return JSONFormatter(style: .lines)
        case .line: return LineFormatter()
        }
    }
}

/// Writes one statement's result. `begin` once, `row` per stepped row, `end` once.
public protocol RowFormatter {
    mutating func begin(columns: [String], into out: OutputWriter)
    mutating func row(_ values: [CellValue], into out: OutputWriter)
    mutating func end(into out: OutputWriter)
}
