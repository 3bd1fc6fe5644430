@preconcurrency import CEdit
@preconcurrency import Glibc

/// libedit's readline at a terminal: line editing, tab completion, and
/// history kept in `HistoryFile.path` across sessions.
public struct EditLineReader: LineReader {
    private let historyPath: String?
    /// Bounds the history file so it does not grow without end.
    static let historyLimit: Int32 = 2000

    /// - Parameter completions: the words Tab offers (dot commands, tables, columns, saved queries).
    /// Nil when libedit cannot be loaded (`loadFailure` says why); the shell
    /// then reads plain lines.
    public init?(historyPath: String?, completions: Completions = Completions()) {
        guard Self.loadFailure == nil else { return nil }
        self.historyPath = historyPath
        Completions.current = completions
        kdsql_set_attempted_completion_function { text, start, _ in
            guard let text else { return nil }
            // Only our words: no fall-back to file names.
            kdsql_set_attempted_completion_over(1)
            Completions.candidates = Completions.current.matches(String(cString: text), atLineStart: start == 0)
            Completions.next = 0
            guard !Completions.candidates.isEmpty else { return nil }
            return kdsql_rl_completion_matches(text) { _, _ in
                guard Completions.next < Completions.candidates.count else { return nil }
                defer { Completions.next += 1 }
                return strdup(Completions.candidates[Completions.next])
            }
        }
        kdsql_using_history()
        kdsql_stifle_history(Self.historyLimit)
        if let historyPath { _ = kdsql_read_history(historyPath) }
    }

    /// Why libedit is not there (nil: it is loaded). libedit is loaded on
    /// the first interactive shell, not at start-up.
    public static var loadFailure: String? { kdsql_edit_load().map { String(cString: $0) } }

    public mutating func readLine(prompt: String) -> LineInput {
        // A Ctrl-C that stopped the last statement is not one at this prompt.
        _ = InterruptHandler.takePending()
        guard let line = kdsql_readline(prompt) else {
            return InterruptHandler.takePending() ? .interrupted : .end
        }
        defer { free(line) }
        if InterruptHandler.takePending() { return .interruptedThenLine(String(cString: line)) }
        return .line(String(cString: line))
    }

    /// Multi-line statements are stored as typed (libedit encodes the
    /// newlines in the file), so recalling one does not join a `--`
    /// comment with the lines after it.
    public mutating func remember(_ entry: String) {
        _ = kdsql_add_history(entry)
        // Written after every entry so a crash of kdsql itself keeps the history.
        if let historyPath { _ = kdsql_write_history(historyPath) }
    }
}

/// What Tab completes: dot commands at the start of a line, then table,
/// column and saved-query names. `alias.col` completes the column part.
public struct Completions: Sendable {
    public var dotCommands: [String] = DotCommand.names
    public var words: [String] = []

    public init(words: [String] = []) {
        self.words = Array(Set(words)).sorted()
    }

    /// Completion state, read by libedit's C callbacks (one shell per process).
    nonisolated(unsafe) static var current = Completions()
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var next = 0

    public func matches(_ text: String, atLineStart: Bool) -> [String] {
        if atLineStart, text.hasPrefix(".") { return dotCommands.filter { $0.hasPrefix(text) } }
        if let dot = text.lastIndex(of: ".") {
            let prefix = String(text[...dot])
            let rest = text[text.index(after: dot)...]
            return words.filter { $0.hasPrefix(rest) }.map { prefix + $0 }
        }
        return words.filter { $0.hasPrefix(text) }
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
