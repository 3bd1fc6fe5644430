import Foundation
import FixtureSupport
import KdsqlSQL
@testable import KdsqlCLI

/// Runs SQL on a fresh connection without a dump and returns what the formatter wrote.
func render(_ sql: String, format: OutputFormat, headers: Bool = true, hex: Bool = false,
            on database: KdsqlDatabase? = nil) throws -> String {
    let capture = try Capture()
    try StatementExecutor(database: try database ?? KdsqlDatabase(), settings: OutputSettings(format: format, headers: headers, hex: hex))
        .run(sql, into: capture.writer)
    return capture.text()
}

/// The sample dump opened as the CLI opens it.
func sampleDatabase() throws -> KdsqlDatabase {
    try DumpOpener.open(OpenRequest(dumpPath: KdsqlBinary.anyDump))
}

/// An OutputWriter over a temporary file, read back as text.
final class Capture {
    let path: String
    let writer: OutputWriter

    init() throws {
        path = NSTemporaryDirectory() + "kdsql-capture-\(UUID().uuidString)"
        writer = try OutputWriter.file(path)
    }

    func text() -> String {
        writer.flush()
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A fresh empty directory, removed by the caller's `defer`.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "kdsql-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The result of running a process.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

/// Runs `executable` with stdin from `input` (or /dev/null), capturing both outputs in files.
func runProcess(_ executable: String, _ arguments: [String], input: String? = nil,
                environment: [String: String]? = nil) throws -> ProcessResult {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outPath = dir + "/out", errPath = dir + "/err", inPath = dir + "/in"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    _ = FileManager.default.createFile(atPath: inPath, contents: Data((input ?? "").utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try process.run()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

/// The built `kdsql`, found in the build products directory beside the test bundle.
enum KdsqlBinary {
    static var path: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The bundle may be a directory (…/kdsqlPackageTests.xctest/…) on some layouts.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("kdsql").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return exe.deletingLastPathComponent().appendingPathComponent("kdsql").path
    }

    /// Runs kdsql with HOME and the XDG directories pointed at an empty
    /// directory, so the user's own queries and history stay out of it.
    static func run(_ arguments: [String], input: String? = nil, home: String? = nil) throws -> ProcessResult {
        let home = try home ?? temporaryDirectory()
        let env = ["HOME": home, "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": home + "/config", "XDG_STATE_HOME": home + "/state"]
        return try runProcess(path, arguments, input: input, environment: env)
    }

    /// A real dump that is always there: the sample committed with the project.
    static var anyDump: String { Fixtures.sampleDirectory + "/" + Fixtures.sampleDump }
}

/// Runs a Python 3 snippet with `input` on stdin and returns its stdout.
func python(_ script: String, input: String) throws -> ProcessResult {
    try runProcess("/usr/bin/env", ["python3", "-c", script], input: input)
}

/// The source tree's root, from this file's path.
let packageRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
