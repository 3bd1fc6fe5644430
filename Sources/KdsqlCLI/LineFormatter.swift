import KdsqlSQL

/// sqlite3's `.mode line`: one `name = value` per column, names right-aligned
/// to the longest, a blank line between rows. NULL shows as `NULL`; address columns `0x...`.
public struct LineFormatter: RowFormatter {
    private var names: [String] = []
    private var addresses: [Bool] = []
    private var rowsWritten = 0

    public init() {}

    public mutating func begin(columns: [ResultColumn], into out: OutputWriter) {
        let width = columns.map(\.name.count).max() ?? 0
        names = columns.map { String(repeating: " ", count: width - $0.name.count) + $0.name + " = " }
        addresses = columns.map(\.isAddress)
        rowsWritten = 0
    }

    public mutating func row(_ values: [SQLValue], into out: OutputWriter) {
        if rowsWritten > 0 { out.write(byte: UInt8(ascii: "\n")) }
        for (i, value) in values.enumerated() {
            out.write(names[i])
            out.write(ValueText.display(value, address: addresses[i], null: "NULL"))
            out.write(byte: UInt8(ascii: "\n"))
        }
        rowsWritten += 1
    }

    public mutating func end(into out: OutputWriter) {}
}
