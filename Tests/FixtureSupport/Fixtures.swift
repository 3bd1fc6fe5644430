#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Locates the real kernel dumps the tests run against.
///
/// Search order: `$KDSQL_FIXTURES`, then `../shared/fixtures` beside the
/// package (the CI layout), then `~/.cache/kdsql/fixtures` (where
/// Tests/Fixtures/make-dump puts the sets when KDSQL_FIXTURES is unset), then
/// Tests/Fixtures/data.  The small committed dump is `sample` (Tests/Fixtures/sample).
/// A test that needs a fixture which is missing FAILS (it is never skipped
/// and counted as passing).
public enum Fixtures {
    /// Root of the package (this file is Tests/FixtureSupport/Fixtures.swift).
    public static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    public static var searchRoots: [String] {
        var roots: [String] = []
        if let env = getenv("KDSQL_FIXTURES") { roots.append(String(cString: env)) }
        roots.append(packageRoot + "/../shared/fixtures")
        if let home = getenv("HOME") { roots.append(String(cString: home) + "/.cache/kdsql/fixtures") }
        roots.append(packageRoot + "/Tests/Fixtures/data")
        return roots
    }

    /// Directory of a named fixture set (e.g. "linux-6.1-cloud-amd64").
    public static func directory(_ name: String) -> String? {
        for root in searchRoots {
            let dir = root + "/" + name
            if access(dir, F_OK) == 0 { return dir }
        }
        return nil
    }

    public struct Missing: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "fixture not found: \(what) (searched \(Fixtures.searchRoots.joined(separator: ", ")))" }
    }

    /// A truth file that is present but does not say what a test needs.
    public struct Malformed: Error, CustomStringConvertible {
        public let set: String, file: String, why: String
        public var description: String { "\(set)/truth/\(file): \(why)" }
    }

    /// The debug vmlinux of a kernel release (Debian's linux-image-KVER-dbg),
    /// which `make debug-vmlinux` downloads and extracts into
    /// ~/.cache/kdsql/debug (or `$KDSQL_DEBUG_DIR`). Throws (failing the
    /// test) when it is missing.
    public static func debugVmlinux(release: String) throws -> String {
        try debugFile(what: "debug vmlinux-\(release)",
                      inDebugDirs: ["vmlinux-\(release)", "boot/vmlinux-\(release)"],
                      underRoot: "usr/lib/debug/boot/vmlinux-\(release)", probe: "")
    }

    /// The directory of a release's module debug files (linux-image-KVER-dbg's
    /// usr/lib/debug/lib/modules/KVER), of which `make debug-vmlinux` extracts
    /// those of the fixtures' loaded modules next to the vmlinux. Throws
    /// (failing the test) when it is missing.
    public static func debugModulesDirectory(release: String) throws -> String {
        try debugFile(what: "module debug files of \(release)",
                      inDebugDirs: ["lib/modules/\(release)", "usr/lib/debug/lib/modules/\(release)"],
                      underRoot: "usr/lib/debug/lib/modules/\(release)", probe: "/kernel")
    }

    /// The first readable of: each `$KDSQL_DEBUG_DIR` entry joined with each
    /// of `inDebugDirs`, then `underRoot` in ~/.cache/kdsql/debug and in `/`
    /// (`probe` is appended when checking, e.g. a directory's subdirectory).
    static func debugFile(what: String, inDebugDirs: [String], underRoot: String, probe: String) throws -> String {
        var candidates: [String] = []
        if let env = getenv("KDSQL_DEBUG_DIR") {
            for dir in String(cString: env).split(separator: ":") {
                candidates += inDebugDirs.map { "\(dir)/\($0)" }
            }
        }
        if let home = getenv("HOME") {
            candidates.append(String(cString: home) + "/.cache/kdsql/debug/" + underRoot)
        }
        candidates.append("/" + underRoot)
        guard let found = candidates.first(where: { access($0 + probe, R_OK) == 0 }) else {
            throw Missing(what: "\(what) (run `make debug-vmlinux`; looked at \(candidates.joined(separator: ", ")))")
        }
        return found
    }

    /// The kernel release a set was made from (manifest.json `kernel_release`).
    public static func kernelRelease(_ set: String) throws -> String {
        let manifest = try text(try path(set, "manifest.json"))
        for line in manifest.split(separator: "\n") where line.contains("\"kernel_release\"") {
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            if quoted.count >= 4 { return String(quoted[3]) }
        }
        throw Malformed(set: set, file: "../manifest.json", why: "no kernel_release")
    }

    /// The set's kdump-compressed dump: `-d 31` before 6.10, `-d 23` after
    /// (makedumpfile -d 31 drops slab pages on 6.10+).
    public static func compressedDump(_ set: String) throws -> String {
        if let found = try? path(set, "vmcore-mdf-d31-zlib.kdump") { return found }
        return try path(set, "vmcore-mdf-d23-zlib.kdump")
    }

    /// The sets whose debug vmlinux `make debug-vmlinux` fetches (Makefile DEBUG_KVERS).
    public static let setsWithDebugVmlinux = [
        sysrq, oops, "linux-6.1-cloud-amd64-views", "linux-6.12-cloud-amd64", "linux-6.12-cloud-amd64-oops",
    ]

    /// The release of the 6.1 fixtures, whose -dbg vmlinux the DWARF tests read.
    public static let sysrqRelease = "6.1.0-56-cloud-amd64"

    /// Path of a file in a fixture set; throws (failing the test) when missing.
    public static func path(_ set: String, _ file: String) throws -> String {
        guard let dir = directory(set), access(dir + "/" + file, R_OK) == 0 else {
            throw Missing(what: "\(set)/\(file)")
        }
        return dir + "/" + file
    }

    /// The committed sample (Tests/Fixtures/sample): a zlib kdump-compressed
    /// dump named `vmcore` of a 128 MiB guest, its System.map and truth/.
    /// It is always there, so it is not searched for.
    public static let sampleDirectory = packageRoot + "/Tests/Fixtures/sample"
    public static let sampleDump = "vmcore"

    public static let sysrq = "linux-6.1-cloud-amd64"
    public static let oops = "linux-6.1-cloud-amd64-oops"

    public static let views = "linux-6.1-cloud-amd64-views"
    public static let sysrq612 = "linux-6.12-cloud-amd64"
    public static let oops612 = "linux-6.12-cloud-amd64-oops"

    /// One dump of every fixture set: (set, file); the sample's set is
    /// "sample". The shared sets, then those of the other configured
    /// generations (`KDSQL_GENERATIONS`, see `generations`).
    public static var everySet: [(set: String, file: String)] {
        var sets: [(set: String, file: String)] = [
            ("sample", sampleDump),
            (sysrq, "vmcore-mdf-d31-zlib.kdump"),
            (oops, "vmcore-mdf-d31-zlib.kdump"),
            (views, "vmcore-mdf-d31-zlib.kdump"),
            (sysrq612, "vmcore-mdf-d23-zlib.kdump"),
            (oops612, "vmcore-mdf-d23-zlib.kdump"),
        ]
        for g in generations where !sets.contains(where: { $0.set == g.sysrq }) {
            sets.append((g.sysrq, g.dump))
            if g.hasOops { sets.append((g.oops, g.dump)) }
        }
        for g in generations where g.hasViews && !sets.contains(where: { $0.set == g.views }) {
            sets.append((g.views, g.dump))
        }
        return sets
    }

    /// Path of a dump named in `everySet` (the sample is not searched for).
    public static func dumpPath(_ set: String, _ file: String) throws -> String {
        set == "sample" ? sampleDirectory + "/" + file : try path(set, file)
    }

    /// Every dump file in the sysrq fixture set, as its README lists them.
    public static let sysrqDumps = [
        "vmcore-mdf-d31.elf",
        "vmcore-mdf-d31-zlib.kdump",
        "vmcore-mdf-d31-lzo.kdump",
        "vmcore-mdf-d31-zlib.flat",
    ]
    public static let systemMap = "System.map-6.1.0-56-cloud-amd64"

    /// makedumpfile 1.7.2 `-d 31` drops live slab pages on 6.10+, so the
    /// complete dump of the 6.12 sets is the `-d 23` one (fixture README, caveats).
    public static let dump612 = "vmcore-mdf-d23-zlib.kdump"
    public static let systemMap612 = "System.map-6.12.117+deb12-cloud-amd64"

    /// One complete kdump per kernel version, with its set and System.map:
    /// for tests that must hold on every kernel present.
    public static let everyKernel: [(set: String, dump: String, systemMap: String)] = [
        (sysrq, "vmcore-mdf-d31-zlib.kdump", systemMap),
        (sysrq612, dump612, systemMap612),
    ]

    /// Reads a whole text file.
    public static func text(_ path: String) throws -> String {
        guard let f = fopen(path, "r") else { throw Missing(what: path) }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A truth file of a fixture set (`truth/<name>`).
    public static func truth(_ set: String, _ name: String) throws -> String {
        try text(try path(set, "truth/" + name))
    }

    /// Parses a simple CSV (RFC 4180 quoting) into header-keyed rows.
    public static func csv(_ text: String) -> [[String: String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var chars = Array(text)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { inQuotes = false }
                } else { field.append(c) }
            } else if c == "\"" {
                inQuotes = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else if c != "\r" {
                field.append(c)
            }
            i += 1
        }
        guard let header = rows.first else { return [] }
        return rows.dropFirst().filter { !($0.count == 1 && $0[0].isEmpty) }.map { r in
            var d: [String: String] = [:]
            for (k, v) in zip(header, r) { d[k] = v }
            return d
        }
    }

    public static func truthCSV(_ set: String, _ name: String) throws -> [[String: String]] {
        csv(try truth(set, name))
    }
}

/// One kernel generation of the fixture matrix (Tests/Fixtures/make-dump --matrix).
public struct KernelGeneration: Sendable, CustomStringConvertible {
    /// `5.10`, `6.1`, `6.12`, `7.3`.
    public let series: String
    /// The Debian kernel release (`uname -r`).
    public let release: String
    /// The set's primary dump: `-d 23` from 6.10 on (makedumpfile 1.7.2 loses slab pages with -d 31 there).
    public let dump: String
    /// Made by make-dump with `--oracle`: the sets carry drgn's stacks (oracle/stacks.csv).
    public let hasOracle: Bool
    /// The oops set exists for this generation (make-dump builds 7.x's module in a trixie build root).
    public let hasOops: Bool
    /// The views set exists for this generation (`make-dump --kernel KVER views`; 6.1's is shared).
    public let hasViews: Bool

    public var sysrq: String { "linux-\(series)-cloud-amd64" }
    public var oops: String { sysrq + "-oops" }
    public var views: String { sysrq + "-views" }
    public var systemMap: String { "System.map-\(release)" }
    public var description: String { series }
}

extension Fixtures {
    /// Every generation make-dump knows. 6.1 and 6.12 are in shared/fixtures (CI);
    /// 5.10 and 7.3 are generated by `make test-kernels` into ~/.cache/kdsql/fixtures.
    public static let allGenerations: [KernelGeneration] = [
        KernelGeneration(series: "5.10", release: "5.10.0-32-cloud-amd64", dump: "vmcore-mdf-d31-zlib.kdump", hasOracle: true, hasOops: true, hasViews: true),
        KernelGeneration(series: "6.1", release: "6.1.0-56-cloud-amd64", dump: "vmcore-mdf-d31-zlib.kdump", hasOracle: false, hasOops: true, hasViews: true),
        KernelGeneration(series: "6.12", release: "6.12.117+deb12-cloud-amd64", dump: "vmcore-mdf-d23-zlib.kdump", hasOracle: false, hasOops: true, hasViews: false),
        KernelGeneration(series: "7.3", release: "7.3.4+deb13-cloud-amd64", dump: "vmcore-mdf-d23-zlib.kdump", hasOracle: true, hasOops: true, hasViews: true),
    ]

    /// The generations this run tests: `$KDSQL_GENERATIONS` (comma-separated
    /// series, e.g. `5.10,6.1,6.12,7.3`; `make test-kernels` sets it), else the
    /// shared ones, 6.1 and 6.12. A configured generation whose set is missing
    /// fails its tests (Fixtures.path throws); an unknown series is a
    /// configuration error and fails `configuredGenerationsAreKnown`.
    public static var generations: [KernelGeneration] {
        configuredSeries.compactMap { s in allGenerations.first { $0.series == s } }
    }

    public static var configuredSeries: [String] {
        guard let env = getenv("KDSQL_GENERATIONS"), env.pointee != 0 else { return ["6.1", "6.12"] }
        return String(cString: env).split(separator: ",").map { $0.trimmingCharacters(in: " ") }
    }

    /// Configured generations compared with drgn's stacks: those whose sets
    /// carry them (made with `make-dump --oracle`), or all of them with
    /// `KDSQL_ORACLE=1` (`make test-kernels` records drgn's stacks of the shared
    /// sets into ~/.cache/kdsql/oracle first; a missing one then fails).
    public static var generationsWithOracle: [KernelGeneration] {
        if let env = getenv("KDSQL_ORACLE"), String(cString: env) == "1" { return generations }
        return generations.filter(\.hasOracle)
    }

    /// drgn's stacks of a set: `<set>/oracle/stacks.csv`, else
    /// `~/.cache/kdsql/oracle/<set>/stacks.csv` (make-dump --oracle-only).
    public static func oracleStacks(_ set: String) throws -> String {
        if let p = try? path(set, "oracle/stacks.csv") { return p }
        if let home = getenv("HOME") {
            let p = String(cString: home) + "/.cache/kdsql/oracle/\(set)/stacks.csv"
            if access(p, R_OK) == 0 { return p }
        }
        throw Missing(what: "\(set)/oracle/stacks.csv (Tests/Fixtures/make-dump --oracle-only)")
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
