/// The facts of one fixture run, read from its `truth/crash.txt`
/// (`key=value` lines).  Every generated run differs (crasher pid, panic
/// CPU, uptime, KASLR offset), so tests take these from the fixture's own
/// truth instead of hard-coding the values of one run.
public struct CrashFacts: Sendable {
    public let values: [String: String]

    public init(text: String) {
        var v: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            v[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        values = v
    }

    public static func load(_ set: String) throws -> CrashFacts {
        CrashFacts(text: try Fixtures.truth(set, "crash.txt"))
    }

    public subscript(_ key: String) -> String? { values[key] }

    public var panicPID: Int? { values["panic_pid"].flatMap { Int($0) } }
    public var panicCPU: Int? { values["panic_cpu"].flatMap { Int($0) } }
    public var panicComm: String? { values["panic_comm"] }
    public var panicUptime: Double? { values["panic_uptime"].flatMap { Double($0) } }
    public var crasherPID: Int? { values["crasher_pid"].flatMap { Int($0) } }
}
