/// `truth/crash.txt` of a fixture set: who crashed, where and when. Every
/// generated run differs (pid, CPU, KASLR offset, timing), so tests take these
/// facts from here, never from one run's README. The one parser of
/// crash.txt: PanicFacts builds on it.
public struct CrashRecord {
    public let values: [String: String]

    public init(set: String) throws {
        var values: [String: String] = [:]
        for line in try Fixtures.truth(set, "crash.txt").split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        self.values = values
    }

    public subscript(_ key: String) -> String? { values[key] }

    /// The task and CPU that panicked; an oops set's crash.txt names them
    /// `oops_pid`/`oops_cpu` (with oops=panic the same task panics there).
    public var panicPid: Int64? { (values["panic_pid"] ?? values["oops_pid"]).flatMap { Int64($0) } }
    public var panicCPU: Int? { (values["panic_cpu"] ?? values["oops_cpu"]).flatMap { Int($0) } }
    public var panicComm: String? { values["panic_comm"] }
    public var panicUptime: Double? { values["panic_uptime"].flatMap { Double($0) } }
    public var crasherPid: Int64? { values["crasher_pid"].flatMap { Int64($0) } }
    /// KASLR offset as the console printed it (`0x39000000`).
    public var kernelOffset: UInt64? {
        values["kernel_offset"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
    }
}
