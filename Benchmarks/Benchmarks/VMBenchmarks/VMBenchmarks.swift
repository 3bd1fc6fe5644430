import Benchmark
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

let fixtureDir: String = {
    if let env = getenv("KDSQL_FIXTURES") { return String(cString: env) + "/linux-6.1-cloud-amd64" }
    return "../../shared/fixtures/linux-6.1-cloud-amd64"
}()

func readText(_ path: String) -> String {
    guard let f = fopen(path, "r") else { fatalError("cannot read \(path): run from Benchmarks/ or set KDSQL_FIXTURES") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while case let n = fread(&buf, 1, buf.count, f), n > 0 { bytes += buf[0..<n] }
    return String(decoding: bytes, as: UTF8.self)
}

/// kdsql-fdholder's pid from truth/tasks.csv (column 0 pid, column 3 comm).
let fdholderPid: Int = {
    for line in readText(fixtureDir + "/truth/tasks.csv").split(separator: "\n") {
        let cols = line.split(separator: ",", omittingEmptySubsequences: false)
        if cols.count > 3, cols[3] == "kdsql-fdholder", let pid = Int(cols[0]) { return pid }
    }
    fatalError("kdsql-fdholder not in truth/tasks.csv")
}()

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
                let kernel = try Kernel.open(path: path)
                let db = try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
                _ = try db.query(sql) // warm: BTF loaded, walkers made, pages cached
                var rows = 0
                var seconds = 0.0
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let start = Clock.now()
                    let result = try db.query(sql)
                    seconds += Clock.now() - start
                    rows += Int(result.first?.first?.int64 ?? 0)
                    blackHole(result)
                }
                benchmark.stopMeasurement()
                benchmark.measurement(.custom("rows/s", polarity: .prefersLarger), Int(Double(rows) / max(seconds, 1e-9)))
            }
            // The same statement prepared once and re-run: what is left is
            // the table's own work (xFilter, the walk, the rows), which is
            // what push-down changes.
            Benchmark("prepared: \(label) (\(format))") { benchmark in
                let kernel = try Kernel.open(path: path)
                let db = try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
                let statement = try db.prepare(sql)
                _ = try statement.rows() // warm
                var rows = 0
                var seconds = 0.0
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let start = Clock.now()
                    let result = try statement.rows()
                    seconds += Clock.now() - start
                    rows += Int(result.first?.first?.int64 ?? 0)
                    blackHole(result)
                }
                benchmark.stopMeasurement()
                benchmark.measurement(.custom("rows/s", polarity: .prefersLarger), Int(Double(rows) / max(seconds, 1e-9)))
            }
        }
    }
}
