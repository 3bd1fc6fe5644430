@preconcurrency import Glibc
import KdsqlDump
import KdsqlSQL

/// The self-erasing progress line on stderr while a statement runs longer
/// than a second: rows the tables visited, pages decompressed, and the
/// decompression rate. Only when stderr is a terminal (or `--progress`).
final class ProgressMeter {
    private let database: KdsqlDatabase
    private var start = 0.0
    private var lastDraw = 0.0
    private var drawn = false
    private var startPages: UInt64 = 0
    private var startBytes: UInt64 = 0
    /// Shown only after this long, so quick statements never flicker.
    static let delay = 1.0
    /// Redrawn at most this often.
    static let interval = 0.2

    init(database: KdsqlDatabase) { self.database = database }

    /// Whether progress is shown: `--progress`/`--no-progress`, else when stderr is a terminal.
    static func wanted(_ choice: Bool?) -> Bool { choice ?? (isatty(STDERR_FILENO) == 1) }

    /// Starts watching the next statement.
    func begin() {
        start = FlushPolicy.now()
        lastDraw = start
        drawn = false
        let stats = database.context.dump?.cacheStats
        startPages = stats?.misses ?? 0
        startBytes = stats?.bytesDecompressed ?? 0
        // A few thousand VM steps between looks costs nothing measurable.
        database.setProgressHandler(every: 4096) { [unowned self] in
            self.tick()
            return true
        }
    }

    /// Stops watching and erases the line.
    func end() {
        database.setProgressHandler(every: 0, nil)
        if drawn { writeRaw("\r\u{1b}[K") }
        drawn = false
    }

    private func tick() {
        let now = FlushPolicy.now()
        guard now - start >= Self.delay, now - lastDraw >= Self.interval || !drawn else { return }
        lastDraw = now
        let rows = database.context.rowsVisited.values.reduce(0, +)
        let stats = database.context.dump?.cacheStats
        let pages = (stats?.misses ?? 0) &- startPages
        let bytes = (stats?.bytesDecompressed ?? 0) &- startBytes
        let elapsed: Double = Swift.max(now - start, 0.001)
        let rate = Double(bytes) / 1_048_576.0 / elapsed
        let text = "\r\u{1b}[K… \(Int(now - start))s  rows visited \(rows)  pages decompressed \(pages)  \(RunTimer.fixed1(rate)) MB/s"
        writeRaw(text)
        drawn = true
    }

    private func writeRaw(_ text: String) {
        var text = text
        text.withUTF8 { _ = Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
