/// `truth/tasks.csv` of a fixture set, with the counts tests compare against.
/// The snapshot was taken before the crasher bash started (truth/crash.txt),
/// so the dump has the snapshot's user tasks plus that one process.
public struct TaskTruth {
    public let rows: [[String: String]]

    public init(set: String) throws {
        rows = try Fixtures.truthCSV(set, "tasks.csv")
    }

    /// The committed sample's truth (Tests/Fixtures/sample/truth).
    public static func sample() throws -> TaskTruth {
        TaskTruth(rows: Fixtures.csv(try Fixtures.text(Fixtures.sampleDirectory + "/truth/tasks.csv")))
    }

    init(rows: [[String: String]]) { self.rows = rows }

    /// User-space tasks, threads included.
    public var userTasks: [[String: String]] { rows.filter { $0["is_kthread"] == "0" } }
    /// User-space processes (thread-group leaders).
    public var userProcesses: [[String: String]] { userTasks.filter { $0["pid"] == $0["tgid"] } }
    public func count(comm: String) -> Int { rows.filter { $0["comm"] == comm }.count }

    /// A command line as tasks.csv records it. The guest printed each
    /// NUL-separated argument on its own line and the parser joined the
    /// lines with spaces, so a newline inside an argument (kdsql-fdholder's
    /// `bash -c` script) is a space there too.
    public static func asRecorded(_ cmdline: String) -> String {
        String(cmdline.map { $0 == "\n" ? " " : $0 })
    }

    /// Processes with an mm in the dump: the snapshot's plus the crasher.
    public var userProcessesAtCrash: Int { userProcesses.count + 1 }
    /// `bash` tasks in the dump: the snapshot's plus the crasher, itself a bash.
    public var bashAtCrash: Int { count(comm: "bash") + 1 }
}
