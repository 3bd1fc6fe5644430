/// `truth/uptime.txt` of a fixture set: /proc/uptime (seconds since boot, to
/// 10 ms) at the milestones of the guest's truth capture. Under TCG a run's
/// timing depends on the host's load, so tests that reason about "when" take
/// their bounds from here rather than from one run's numbers.
public struct CaptureTimes {
    /// Before the task snapshot.
    public let start: Double
    /// After every /proc/PID file was read (tasks.csv, maps.csv, stacks).
    public let afterTasks: Double
    /// After the last truth file (fds, ip, dmesg, kmsg).
    public let end: Double
    /// The crasher bash started (its first /proc/uptime).
    public let crasherStart: Double?
    /// The console timestamp of the panic.
    public let panic: Double?

    public init(set: String) throws {
        var first: [String: Double] = [:]
        for line in try Fixtures.truth(set, "uptime.txt").split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count >= 2, let v = Double(words[1]) { first[String(words[0])] = v }
        }
        guard let start = first["uptime-start"], let afterTasks = first["uptime-after-tasks"], let end = first["uptime-end"] else {
            throw Fixtures.Malformed(set: set, file: "uptime.txt", why: "needs uptime-start, uptime-after-tasks and uptime-end lines")
        }
        self.start = start
        self.afterTasks = afterTasks
        self.end = end
        crasherStart = first["crasher-start"]
        panic = first["panic"]
    }

    /// /proc/uptime truncates to 10 ms: an instant it printed as `t` lies in [t, t + 0.01).
    public static let resolution = 0.01
}
