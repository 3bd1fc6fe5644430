import ArgumentParser
import KdsqlSQL

/// The ways a result can be written (`--format`, `.mode`).
public enum OutputFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    case table, csv, json, jsonl, line

    /// People get a table; pipes and files get CSV.
    public static func defaultFor(terminal: Bool) -> OutputFormat { terminal ? .table : .csv }

    /// - Parameter hex: CSV writes address columns in hex too (`--hex`);
    ///   table and line output always do, JSON writes them as "0x..." strings.
    public func makeFormatter(headers: Bool, hex: Bool = false) -> any RowFormatter {
        switch self {
        case .table: return TableFormatter(headers: headers)
        case .csv: return CSVFormatter(headers: headers, hexAddresses: hex)
        case .json: return JSONFormatter(style: .array)
        case .jsonl: return JSONFormatter(style: .lines)
        case .line: return LineFormatter()
        }
    }

    /// Formats written for people rather than programs.
    public var isForPeople: Bool { self == .table || self == .line }
}

/// Writes one statement's result. `begin` once, `row` per stepped row, `end` once.
public protocol RowFormatter {
    mutating func begin(columns: [ResultColumn], into out: OutputWriter)
    mutating func row(_ values: [SQLValue], into out: OutputWriter)
    mutating func end(into out: OutputWriter)
}

/// A saved query's `output: text`: the first column of each row as a plain
/// line, no header (crash's `sys` block).
public struct TextFormatter: RowFormatter {
    public init() {}
    public mutating func begin(columns: [ResultColumn], into out: OutputWriter) {}
    public mutating func row(_ values: [SQLValue], into out: OutputWriter) {
        out.write(values.first.map { ValueText.plain($0, null: "") } ?? "")
        out.write(byte: UInt8(ascii: "\n"))
    }
    public mutating func end(into out: OutputWriter) {}
}
