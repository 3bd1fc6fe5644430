@preconcurrency import Glibc

/// Where the shell gets its lines: libedit at a terminal, plain stdin from a
/// pipe, or the lines of a `.read` file.
public protocol LineReader {
    /// The next line without its newline, `.interrupted` when Ctrl-C was
    /// pressed while it was typed, or `.end` at end of input.
    /// `prompt` is shown only by readers that talk to a person.
    mutating func readLine(prompt: String) -> LineInput
    /// Remembers a complete entry (a statement or a dot command) for history.
    mutating func remember(_ entry: String)
}

/// What a reader got.
public enum LineInput: Equatable, Sendable {
    case line(String)
    /// Ctrl-C at the prompt: the shell drops what was typed so far.
    case interrupted
    /// A Ctrl-C that came while the prompt was being drawn, before the line
    /// editor read the keyboard (the terminal raised SIGINT itself), then a
    /// line: the entry typed so far is dropped and the line starts afresh.
    case interruptedThenLine(String)
    case end
}

/// Reads stdin (or any FILE*) without prompts, as sqlite3 does when piped.
public struct StreamLineReader: LineReader {
    private let stream: UnsafeMutablePointer<FILE>

    public init(stream: UnsafeMutablePointer<FILE> = stdin) { self.stream = stream }

    public mutating func readLine(prompt: String) -> LineInput {
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        let n = getline(&line, &capacity, stream)
        guard n >= 0, let line else { return .end }
        var bytes = UnsafeRawBufferPointer(start: line, count: n)
        if bytes.last == UInt8(ascii: "\n") { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        if bytes.last == UInt8(ascii: "\r") { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    public mutating func remember(_ entry: String) {}
}

/// The lines of a text, for `.read FILE` and `-f FILE`.
public struct TextLineReader: LineReader {
    private var lines: [Substring]
    private var next = 0

    public init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // A final newline does not start another (empty) line.
        if lines.last == "" { lines.removeLast() }
    }

    public mutating func readLine(prompt: String) -> LineInput {
        guard next < lines.count else { return .end }
        defer { next += 1 }
        var line = lines[next]
        if line.last == "\r" { line = line.dropLast() }
        return .line(String(line))
    }

    public mutating func remember(_ entry: String) {}
}
