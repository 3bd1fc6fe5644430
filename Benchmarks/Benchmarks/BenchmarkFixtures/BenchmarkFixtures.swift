#if canImport(Glibc)
@preconcurrency import Glibc
#endif

// Where the benchmarks find the real 6.1 sysrq fixture, and the truth facts
// they take from it (nothing hard-coded): $KDSQL_FIXTURES, else
// ../shared/fixtures beside the package (benchmarks run from Benchmarks/).

public let fixtureDir: String = {
    if let env = getenv("KDSQL_FIXTURES") { return String(cString: env) + "/linux-6.1-cloud-amd64" }
    return "../../shared/fixtures/linux-6.1-cloud-amd64"
}()

/// A fixture file's text; stops the run with the reason when it is missing.
public func readText(_ path: String) -> String {
    guard let f = fopen(path, "r") else { fatalError("cannot read \(path): run from Benchmarks/ or set KDSQL_FIXTURES") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while case let n = fread(&buf, 1, buf.count, f), n > 0 { bytes += buf[0..<n] }
    return String(decoding: bytes, as: UTF8.self)
}

/// The pid truth/tasks.csv gives the first task named `comm` (column 0 pid, column 3 comm).
public func truthPid(comm: String) -> Int {
    for line in readText(fixtureDir + "/truth/tasks.csv").split(separator: "\n") {
        let cols = line.split(separator: ",", omittingEmptySubsequences: false)
        if cols.count > 3, cols[3] == comm, let pid = Int(cols[0]) { return pid }
    }
    fatalError("\(comm) not in truth/tasks.csv")
}
