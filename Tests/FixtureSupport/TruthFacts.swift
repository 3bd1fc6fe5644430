/// Facts of one fixture run read from its own truth (`truth/crash.txt`), so
/// tests expect what THIS dump recorded instead of constants of one run: every
/// generated set has its own crasher pid, panic CPU and KASLR offset.
public struct TruthFacts: Sendable {
    public let crasherPid: Int64
    public let panicPid: Int64
    public let panicCPU: Int
    public let kernelOffset: UInt64
    /// Every `key=value` line of crash.txt.
    public let values: [String: String]

    public struct Malformed: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "truth/crash.txt: \(what)" }
    }

    public init(crashText: String) throws {
        var v: [String: String] = [:]
        for line in crashText.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            v[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        values = v
        func int(_ keys: String...) throws -> Int64 {
            for key in keys { if let s = v[key], let n = Int64(s) { return n } }
            throw Malformed(what: "no integer \(keys.joined(separator: " or "))")
        }
        crasherPid = try int("crasher_pid")
        // The oops set's crash.txt names the task and CPU that oopsed (oops_pid, oops_cpu);
        // with oops=panic the same task panics on the same CPU.
        panicPid = try int("panic_pid", "oops_pid")
        panicCPU = Int(try int("panic_cpu", "oops_cpu"))
        guard let off = v["kernel_offset"], let n = UInt64(off.hasPrefix("0x") ? String(off.dropFirst(2)) : off, radix: 16) else {
            throw Malformed(what: "no kernel_offset")
        }
        kernelOffset = n
    }

    /// The facts of a fixture set (e.g. `Fixtures.sysrq`).
    public static func of(_ set: String) throws -> TruthFacts {
        try TruthFacts(crashText: try Fixtures.truth(set, "crash.txt"))
    }
}
