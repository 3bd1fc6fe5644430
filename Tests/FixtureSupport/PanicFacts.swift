/// Facts of one fixture run, read from its truth/ files.
///
/// Every generated run differs (crasher pid, panic CPU, KASLR offset, which
/// task sleeps where), so tests take their subjects and expectations from
/// here instead of hard-coding the numbers of one run.
public struct PanicFacts: Sendable {
    /// `key=value` lines of truth/crash.txt.
    public let crash: [String: String]
    /// Rows of truth/tasks.csv.
    public let tasks: [[String: String]]
    /// Rows of truth/stacks.csv.
    public let stacks: [[String: String]]
    /// CPU numbers in truth/cpu-registers.txt (QEMU `info registers -a`), in file order.
    public let cpus: [Int]

    public struct Missing: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "truth lacks \(what)" }
    }

    public init(_ set: String) throws {
        crash = try CrashRecord(set: set).values
        tasks = try Fixtures.truthCSV(set, "tasks.csv")
        stacks = try Fixtures.truthCSV(set, "stacks.csv")
        cpus = try Fixtures.truth(set, "cpu-registers.txt").split(whereSeparator: \.isNewline)
            .filter { $0.hasPrefix("CPU#") }.compactMap { Int($0.dropFirst(4)) }
    }

    func int(_ key: String) throws -> Int64 {
        guard let v = crash[key], let n = Int64(v) else { throw Missing(what: "crash.txt \(key)") }
        return n
    }

    /// The task that panicked (`panic_pid`, or `oops_pid` in an oops set).
    public func panicPid() throws -> Int64 { crash["panic_pid"] != nil ? try int("panic_pid") : try int("oops_pid") }
    /// The CPU that panicked (`panic_cpu`, or `oops_cpu`).
    public func panicCPU() throws -> Int { Int(crash["panic_cpu"] != nil ? try int("panic_cpu") : try int("oops_cpu")) }

    /// The CPUs QEMU reported that did not panic.
    public func otherCPUs() throws -> [Int] {
        let p = try panicCPU()
        return cpus.filter { $0 != p }
    }

    /// /proc/PID/stack of a task as (function, offset) rows in frame order.
    public func procStack(pid: Int64) -> [(function: String, offset: String)] {
        stacks.filter { $0["pid"] == String(pid) }
            .sorted { Int($0["frame"] ?? "") ?? 0 < Int($1["frame"] ?? "") ?? 0 }
            .map { ($0["function"] ?? "", $0["offset"] ?? "") }
    }

    /// A user task asleep in the dump with a non-empty /proc/PID/stack: not
    /// init (it wrote the truth while running) and not the crasher; the
    /// lowest such pid waiting in do_wait if any, else the lowest sleeping one.
    public func sleepingUserPid() throws -> Int64 {
        let crasher = crash["crasher_pid"]
        let candidates = tasks.filter {
            $0["is_kthread"] == "0" && $0["state"] == "S" && $0["pid"] != "1" && $0["pid"] != crasher && $0["pid"] == $0["tgid"]
        }.compactMap { Int64($0["pid"] ?? "") }.filter { !procStack(pid: $0).isEmpty }.sorted()
        if let p = candidates.first(where: { procStack(pid: $0).first?.function == "do_wait" }) { return p }
        guard let p = candidates.first else { throw Missing(what: "a sleeping user task with a /proc/PID/stack") }
        return p
    }
}
