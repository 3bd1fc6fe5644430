@preconcurrency import Glibc

/// When streamed rows leave the buffer: right after the first row (so a
/// reader sees output before a long walk ends), then whenever a quarter of a
/// second has passed since the last flush. The writer also flushes on its
/// own whenever its buffer fills, and the runner flushes at the end.
struct FlushPolicy {
    private var rows = 0
    private var lastFlush = FlushPolicy.now()
    static let interval: Double = 0.25

    mutating func rowWritten(to out: OutputWriter) {
        rows += 1
        if rows == 1 {
            out.flush()
            lastFlush = Self.now()
            return
        }
        // Reading the clock costs little, but not nothing: look every 64 rows.
        guard rows % 64 == 0 else { return }
        let now = Self.now()
        if now - lastFlush >= Self.interval {
            out.flush()
            lastFlush = now
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
