@preconcurrency import CEdit
@preconcurrency import Glibc

/// libedit's readline at a terminal: line editing, and history kept in
/// `HistoryFile.path` across sessions.
public struct EditLineReader: LineReader {
    private let historyPath: String?
    /// Bounds the history file so it does not grow without end.
    static let historyLimit: Int32 = 2000

    public init(historyPath: String?) {
        self.historyPath = historyPath
        using_history()
        stifle_history(Self.historyLimit)
        if let historyPath { _ = read_history(historyPath) }
    }

    public mutating func readLine(prompt: String) -> String? {
        guard let line = readline(prompt) else { return nil }
        defer { free(line) }
        return String(cString: line)
    }

    public mutating func remember(_ entry: String) {
        add_history(entry)
        // Written after every entry so a crash of kdsql itself keeps the history.
        if let historyPath { _ = write_history(historyPath) }
    }
}

/// Where shell history lives: `$XDG_STATE_HOME/kdsql/history` when that is
/// set (the directory is created), else `~/.kdsql_history`.
public enum HistoryFile {
    public static func path(environment: (String) -> String? = Environment.value) -> String? {
        if let state = environment("XDG_STATE_HOME") {
            let dir = state + "/kdsql"
            mkdir(state, 0o700)
            mkdir(dir, 0o700)
            return dir + "/history"
        }
        if let home = environment("HOME") { return home + "/.kdsql_history" }
        return nil
    }
}
