import CSQLite

/// How the shell writes results; changed by `.mode`, `.headers`, `.timer`.
public struct ShellSettings: Equatable, Sendable {
    public var format: OutputFormat
    public var headers = true
    public var timer = false

    public init(format: OutputFormat) { self.format = format }
}

/// The interactive (or piped) shell: accumulates lines into complete
/// statements, runs dot commands, reports errors sqlite3-style and goes on.
///
/// A class because `.read` runs a nested loop over the same state (settings,
/// current output) and `.output` swaps the writer everyone uses.
public final class Shell {
    public let connection: any QueryConnection
    public let library: QueryLibrary
    public private(set) var settings: ShellSettings
    /// Where results go now: the screen, or a `.output` file.
    private var out: OutputWriter
    private let screen: OutputWriter
    /// True once any entry failed; a piped run then exits with status 1.
    public private(set) var hadError = false
    private var readDepth = 0

    public static let prompt = "kdsql> "
    public static let continuationPrompt = "   ...> "

    public init(connection: any QueryConnection, library: QueryLibrary, settings: ShellSettings, screen: OutputWriter) {
        self.connection = connection
        self.library = library
        self.settings = settings
        self.screen = screen
        self.out = screen
    }

    public enum Ending: Equatable { case endOfInput, quit }

    /// Reads entries until end of input or `.quit`.
    @discardableResult
    public func run<Reader: LineReader>(_ reader: inout Reader) -> Ending {
        var pending = ""
        while true {
            out.flush()
            screen.flush()
            guard let line = reader.readLine(prompt: pending.isEmpty ? Self.prompt : Self.continuationPrompt) else { break }
            if pending.isEmpty {
                let trimmed = line.trimmed
                if trimmed.isEmpty { continue }
                if trimmed.hasPrefix(".") {
                    reader.remember(trimmed)
                    if dotCommand(trimmed) == .quit { return .quit }
                    continue
                }
            }
            pending += line + "\n"
            if sqlite3_complete(pending) != 0 {
                reader.remember(pending.trimmed.replacingNewlines())
                runSQL(pending)
                pending = ""
            }
        }
        // Like sqlite3, a last statement without its `;` still runs at end of input.
        if !pending.trimmed.isEmpty { runSQL(pending) }
        out.flush()
        return .endOfInput
    }

    /// Runs SQL text and reports any error without stopping the shell.
    public func runSQL(_ sql: String) {
        let timer = settings.timer ? RunTimer() : nil
        do {
            try StatementRunner(db: connection.handle).run(
                sql, format: settings.format, headers: settings.headers, into: out,
                afterEach: { self.reportWarnings() })
        } catch {
            reportWarnings()
            fail(error.shellDescription)
        }
        if let timer {
            out.write(timer.report() + "\n")
            out.flush()
        }
    }

    private func reportWarnings() {
        let warnings = connection.drainWarnings()
        let summary = connection.drainDamageSummary()
        guard !warnings.isEmpty || summary != nil else { return }
        out.flush()
        for warning in warnings { writeStandardError("Warning: \(warning)") }
        if let summary { writeStandardError("kdsql: \(summary)") }
    }

    private func fail(_ text: String) {
        hadError = true
        out.flush()
        writeStandardError(text)
    }

    /// Runs one dot command; returns `.quit` when the shell should end.
    @discardableResult
    public func dotCommand(_ line: String) -> Ending? {
        let command: DotCommand
        do {
            command = try DotCommand.parse(line)
        } catch {
            fail("Error: \(error.message)")
            return nil
        }
        switch command {
        case .quit:
            return .quit
        case .help:
            out.write(DotCommand.helpText + "\n")
        case let .mode(format):
            settings.format = format
        case let .headers(on):
            settings.headers = on
        case let .timer(on):
            settings.timer = on
        case let .output(path):
            out.flush()
            if let path {
                do { out = try OutputWriter.file(path) } catch { fail("Error: \(error.message)") }
            } else {
                out = screen
            }
        case .tables:
            writeAligned(connection.tableSummaries().map { [$0.name, $0.description] })
        case let .schema(table):
            schema(table)
        case .queries:
            writeAligned(library.queries.map { [$0.name, $0.description] })
        case let .query(name):
            guard let query = library[name] else { fail("Error: \(CLIError.unknownQuery(name).message)"); break }
            let missing = query.requires.filter { !connection.hasTable($0) }
            guard missing.isEmpty else {
                fail("Error: \(CLIError.missingTables(query: name, tables: missing).message)")
                break
            }
            runSQL(query.sql)
        case let .read(path):
            return read(path)
        }
        out.flush()
        return nil
    }

    private func read(_ path: String) -> Ending? {
        guard readDepth < 16 else { fail("Error: .read nested too deeply (at \(path))"); return nil }
        let text: String
        do { text = try FileText.read(path) } catch { fail("Error: \(error.message)"); return nil }
        readDepth += 1
        defer { readDepth -= 1 }
        var reader = TextLineReader(text)
        return run(&reader) == .quit ? .quit : nil
    }

    private func schema(_ name: String?) {
        let tables = connection.tableSummaries().filter { name == nil || $0.name == name }
        if let name, tables.isEmpty {
            fail("Error: no table named '\(name)'; .tables lists them")
            return
        }
        for (i, table) in tables.enumerated() {
            if i > 0 { out.write("\n") }
            out.write(table.description.isEmpty ? "\(table.name)\n" : "\(table.name): \(table.description)\n")
            writeAligned(table.columns.map { [$0.name, $0.type, $0.unit, $0.description] }, indent: "  ")
        }
    }

    /// Columns of text, each padded to its widest cell, no trailing blanks.
    private func writeAligned(_ rows: [[String]], indent: String = "") {
        guard let count = rows.first?.count else { return }
        var widths = Array(repeating: 0, count: count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], TableFormatter.displayWidth(cell)) } }
        for row in rows {
            var line = indent
            let lastNonEmpty = row.lastIndex { !$0.isEmpty } ?? 0
            for (i, cell) in row.enumerated() where i <= lastNonEmpty {
                if i > 0 { line += "  " }
                line += cell
                if i < lastNonEmpty { line += String(repeating: " ", count: widths[i] - TableFormatter.displayWidth(cell)) }
            }
            out.write(line + "\n")
        }
    }
}

extension String {
    /// One history entry per statement, even when it was typed over several lines.
    fileprivate func replacingNewlines() -> String {
        String(self.map { $0 == "\n" ? " " : $0 })
    }
}
