import KdsqlSQL

/// An aligned table for people: a header, a dashed separator, then rows.
///
/// Column widths come from the header and the first `sampleSize` rows, which
/// are held back until then; later rows stream with those widths (a longer
/// value just pushes its line wider). A column whose sampled values are all
/// numbers is right-aligned, header included. Address columns show
/// `0x...`. NULL shows as `NULL`; control
/// characters are shown escaped so a stray newline cannot break the grid.
public struct TableFormatter: RowFormatter {
    public var headers: Bool
    public var sampleSize: Int
    private var columns: [String] = []
    private var addresses: [Bool] = []
    private var held: [[Cell]] = []
    private var numeric: [Bool] = []
    private var widths: [Int] = []
    private var laidOut = false

    private struct Cell {
        var text: String
        var width: Int
        var isNumber: Bool
        var isNull: Bool
    }

    static let gap = "  "

    public init(headers: Bool = true, sampleSize: Int = 500) {
        self.headers = headers
        self.sampleSize = sampleSize
    }

    public mutating func begin(columns: [ResultColumn], into out: OutputWriter) {
        self.columns = columns.map(\.name)
        addresses = columns.map(\.isAddress)
        held = []
        laidOut = false
    }

    public mutating func row(_ values: [SQLValue], into out: OutputWriter) {
        var cells: [Cell] = []
        cells.reserveCapacity(values.count)
        for (i, value) in values.enumerated() { cells.append(Self.cell(value, address: i < addresses.count && addresses[i])) }
        if laidOut {
            write(cells, into: out)
            return
        }
        held.append(cells)
        if held.count >= sampleSize { layOut(into: out) }
    }

    public mutating func end(into out: OutputWriter) {
        if !laidOut { layOut(into: out) }
    }

    private mutating func layOut(into out: OutputWriter) {
        laidOut = true
        widths = columns.map { headers ? Self.displayWidth(Self.escaped($0)) : 0 }
        numeric = Array(repeating: true, count: columns.count)
        var sawNumber = Array(repeating: false, count: columns.count)
        for cells in held {
            for (i, cell) in cells.enumerated() {
                widths[i] = max(widths[i], cell.width)
                if cell.isNumber { sawNumber[i] = true } else if !cell.isNull { numeric[i] = false }
            }
        }
        for i in numeric.indices where !sawNumber[i] { numeric[i] = false }
        if headers {
            let header = columns.map(Self.escaped)
            writeLine(header.map { ($0, Self.displayWidth($0)) }, into: out)
            writeLine(widths.map { (String(repeating: "-", count: $0), $0) }, into: out)
        }
        for cells in held { write(cells, into: out) }
        held = []
    }

    private func write(_ cells: [Cell], into out: OutputWriter) {
        writeLine(cells.map { ($0.text, $0.width) }, into: out)
    }

    private func writeLine(_ items: [(text: String, width: Int)], into out: OutputWriter) {
        for (i, item) in items.enumerated() {
            let pad = max(0, (i < widths.count ? widths[i] : 0) - item.width)
            let last = i == items.count - 1
            if i > 0 { out.write(Self.gap) }
            if i < numeric.count, numeric[i] {
                out.write(repeating: UInt8(ascii: " "), count: pad)
                out.write(item.text)
            } else {
                out.write(item.text)
                // No trailing blanks after the last column.
                if !last { out.write(repeating: UInt8(ascii: " "), count: pad) }
            }
        }
        out.write(byte: UInt8(ascii: "\n"))
    }

    private static func cell(_ value: SQLValue, address: Bool) -> Cell {
        let text = escaped(ValueText.display(value, address: address, null: "NULL"))
        return Cell(text: text, width: displayWidth(text), isNumber: ValueText.isNumber(value), isNull: value.isNull)
    }

    /// Characters as a terminal shows them: one column per grapheme, except
    /// East Asian wide and emoji ranges, which take two.
    static func displayWidth(_ text: String) -> Int {
        var width = 0
        for ch in text {
            guard let scalar = ch.unicodeScalars.first else { continue }
            width += isWide(scalar.value) ? 2 : 1
        }
        return width
    }

    private static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
            || (0x20000...0x3FFFD).contains(v)
    }

    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
