import Benchmark
import BenchmarkFixtures
import KdsqlMemory
import KdsqlSQL
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

// Per-process tables (vmas, files) over the real 6.1 fixtures: a full scan of
// every process against a `WHERE pid = N` scan, which must go through the
// pid IDR and read one process only. N is kdsql-fdholder's pid, taken from
// truth/tasks.csv (nothing hard-coded). The dump is opened, BTF loaded and
// the query run once outside the measurement, as in an interactive session;
// each iteration then runs the query again on that connection, once as a
// whole statement and once as a prepared statement re-run (the scan alone).

let fdholderPid = truthPid(comm: "kdsql-fdholder")

enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .custom("rows/s", polarity: .prefersLarger)],
        scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 200)

    for format in ["vmcore-mdf-d31-zlib.kdump", "vmcore-mdf-d31.elf"] {
        let path = fixtureDir + "/" + format
        // Every query is timed over 1000 runs per sample (scalingFactor .kilo
        // above; results are per run): one run per sample timed a cold CPU
        // cache and the framework's own bookkeeping as much as a query of a
        // few µs. Full scans get the same treatment so their ratio to the pid
        // scans compares like with like.
        let queries = [
            ("SELECT 1 (the SQL layer's fixed cost per query)", "SELECT 1"),
            ("tasks WHERE pid = fdholder (a virtual table's fixed cost)", "SELECT count(*) FROM tasks WHERE pid = \(fdholderPid)"),
            ("vmas, all processes", "SELECT count(*) FROM vmas"),
            ("vmas with path, all processes", "SELECT count(path) FROM vmas"),
            ("vmas WHERE pid = fdholder", "SELECT count(*) FROM vmas WHERE pid = \(fdholderPid)"),
            ("files, all processes", "SELECT count(*) FROM files"),
            ("files with path, all processes", "SELECT count(path) FROM files"),
            ("files WHERE pid = fdholder", "SELECT count(*) FROM files WHERE pid = \(fdholderPid)"),
        ]
        for (label, sql) in queries {
            // A whole statement per iteration, as a user typing it pays:
            // SQLite's parse and plan (xBestIndex) plus the scan.
            Benchmark("\(label) (\(format))") { benchmark in
                let db = try database(path)
                try measureRows(benchmark) { try db.query(sql) }
            }
            // The same statement prepared once and re-run: what is left is
            // the table's own work (xFilter, the walk, the rows), which is
            // what push-down changes.
            Benchmark("prepared: \(label) (\(format))") { benchmark in
                let statement = try database(path).prepare(sql)
                try measureRows(benchmark) { try statement.rows() }
            }
        }
    }
}

/// A connection on the dump at `path`.
func database(_ path: String) throws -> KdsqlDatabase {
    try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: path)))
}

/// Runs `query` once to warm up (BTF loaded, walkers made, pages cached),
/// then once per scaled iteration, and reports the count(*) rows per second
/// of the timed runs alongside the framework's wall clock.
func measureRows(_ benchmark: Benchmark, _ query: () throws -> [[SQLValue]]) throws {
    _ = try query()
    var rows = 0
    var seconds = 0.0
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        let start = Clock.now()
        let result = try query()
        seconds += Clock.now() - start
        rows += Int(result.first?.first?.int64 ?? 0)
        blackHole(result)
    }
    benchmark.stopMeasurement()
    benchmark.measurement(.custom("rows/s", polarity: .prefersLarger), Int(Double(rows) / max(seconds, 1e-9)))
}
