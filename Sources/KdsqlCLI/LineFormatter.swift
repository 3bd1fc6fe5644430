/// sqlite3's `.mode line`: one `name = value` per column, names right-aligned
/// to the longest, a blank line between rows. NULL shows as `NULL`.
public struct LineFormatter: RowFormatter {
    private var names: [String] = []
    private var rowsWritten = 0

    public init() {}

    public mutating func begin(columns: [String], into out: OutputWriter) {
        let width = columns.map(\.count).max() ?? 0
        names = columns.map { String(repeating: " ", count: width - $0.count) + $0 + " = " }
        rowsWritten = 0
    }

    public mutating func row(_ values: [CellValue], into out: OutputWriter) {
        if rowsWritten > 0 { out.write(byte: UInt8(ascii: "\n")) }
        for (i, value) in values.enumerated() {
            out.write(names[i])
            out.write(value.text(null: "NULL"))
            out.write(byte: UInt8(ascii: "\n"))
        }
        rowsWritten += 1
    }

    public mutating func end(into out: OutputWriter) {}
}
