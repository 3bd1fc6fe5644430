import KdsqlSQL

/// How the shell writes results; changed by `.mode`, `.headers`, `.hex`, `.timer`, `.bail`.
public struct ShellSettings: Equatable, Sendable {
    public var output: OutputSettings
    public var timer = false
    /// Stop at the first error.
    public var bail = false

    public var format: OutputFormat {
        get { output.format }
        set { output.format = newValue }
    }

    public init(format: OutputFormat, hex: Bool = false) { output = OutputSettings(format: format, hex: hex) }
}

/// The interactive (or piped) shell: accumulates lines into complete
/// statements, runs dot commands, reports errors sqlite3-style and goes on
/// (unless `.bail on`).
///
/// A class because `.read` runs a nested loop over the same state (settings,
/// parameters, current output) and `.output` swaps the writer everyone uses.
public final class Shell {
    public let database: KdsqlDatabase
    public let library: QueryLibrary
    public private(set) var settings: ShellSettings
    /// `.parameter set` values, by bare name.
    public private(set) var parameters: [String: SQLValue] = [:]
    /// Where results go now: the screen, or a `.output` file.
    private var out: OutputWriter
    private var outputName = "stdout"
    /// `.once FILE`: the next entry's output, then back to `out`.
    private var once: OutputWriter?
    private let screen: OutputWriter
    /// True once any entry failed; a piped run then exits with status 1.
    public private(set) var hadError = false
    /// The exit status the last failure calls for (1 for SQL errors, 2 for bad arguments).
    public private(set) var failureStatus: Int32 = 1
    private var readDepth = 0
    var progress: ProgressMeter?
    /// One-shot runs (-c, -f, -q): errors as one `kdsql: ...` line instead of sqlite3's caret picture.
    public var oneLineErrors = false

    public static let prompt = "kdsql> "
    public static let continuationPrompt = "   ...> "

    public init(database: KdsqlDatabase, library: QueryLibrary, settings: ShellSettings, screen: OutputWriter,
                parameters: [String: SQLValue] = [:]) {
        self.database = database
        self.library = library
        self.settings = settings
        self.screen = screen
        self.out = screen
        self.parameters = parameters
    }

    public enum Ending: Equatable {
        case endOfInput
        /// `.exit N`, `.quit`
        case exit(Int32)
        /// An error under `.bail on`.
        case bailed
    }

    /// Words for tab completion: tables, their columns and saved queries.
    public var completions: Completions {
        var words = database.definitions.tables.flatMap { [$0.name] + $0.columns.map(\.name) }
        words += library.queries.map(\.name)
        words += database.functions.map(\.name)
        return Completions(words: words)
    }

    /// Reads entries until end of input, `.exit` or (with `.bail on`) an error.
    @discardableResult
    public func run<Reader: LineReader>(_ reader: inout Reader) -> Ending {
        var pending = ""
        while true {
            out.flush()
            screen.flush()
            let line: String
            switch reader.readLine(prompt: pending.isEmpty ? Self.prompt : Self.continuationPrompt) {
            case .end:
                // Like sqlite3, a last statement without its `;` still runs at end of input.
                if !pending.trimmed.isEmpty {
                    runSQL(pending)
                    if hadError, settings.bail { return .bailed }
                }
                out.flush()
                return .endOfInput
            case .interrupted:
                // Ctrl-C drops the half-typed entry; the shell goes on.
                pending = ""
                screen.write("\n")
                continue
            case .interruptedThenLine(let text):
                pending = ""
                line = text
            case .line(let text):
                line = text
            }
            if pending.isEmpty {
                let trimmed = line.trimmed
                if trimmed.isEmpty { continue }
                if trimmed.hasPrefix(".") {
                    reader.remember(trimmed)
                    if let ending = dotCommand(trimmed) { return ending }
                    if hadError, settings.bail { return .bailed }
                    continue
                }
            }
            pending += line + "\n"
            if KdsqlDatabase.isComplete(pending) {
                reader.remember(pending.trimmed)
                runSQL(pending)
                pending = ""
                if hadError, settings.bail { return .bailed }
            }
        }
    }

    /// The writer for the entry being run: a `.once` file, else the current output.
    private func takeOutput() -> (writer: OutputWriter, isOnce: Bool) {
        if let once {
            self.once = nil
            return (once, true)
        }
        return (out, false)
    }

    /// Runs a saved query: checks its tables, binds its parameters (`given`,
    /// else the shell's, else the defaults) and runs it.
    public func runSavedQuery(_ query: SavedQuery, given: [String: SQLValue] = [:]) {
        let missing = query.requires.filter { !hasTable($0) }
        guard missing.isEmpty else {
            fail(.missingTables(query: query.name, tables: missing))
            return
        }
        runSQL(query.sql, query: query, given: given)
    }

    /// Runs SQL text and reports any error without stopping the shell.
    public func runSQL(_ sql: String, query: SavedQuery? = nil, given: [String: SQLValue] = [:]) {
        let timer = settings.timer ? RunTimer() : nil
        let (target, _) = takeOutput()
        var executor = StatementExecutor(database: database, settings: settings.output)
        executor.parameters = parameters
        executor.progress = progress
        do {
            if let query {
                executor.parameters = try QueryParameters.resolve(query, given: parameters.merging(given) { $1 }, on: database)
                executor.plainText = query.plainText
            }
            try executor.run(sql, into: target, afterEach: { self.reportWarnings() })
        } catch let error as SQLError {
            reportWarnings()
            // The dump's damage (under --strict, or where nothing could be
            // skipped) is not an SQL mistake: its own exit status.
            fail(database.context.takeDamageFailure() != nil ? .damagedDump(error) : .sql(error))
        } catch let error as CLIError {
            fail(error)
        } catch {
            fail("Error: \(error)")
        }
        target.flush()
        if let timer {
            out.write(timer.report() + "\n")
            out.flush()
        }
    }

    private func reportWarnings() {
        let warnings = database.drainWarnings()
        let summary = database.context.drainDamageSummary()
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

    private func fail(_ error: CLIError) {
        failureStatus = error.exitStatus
        if oneLineErrors {
            fail("kdsql: \(error.message)")
        } else if case let .sql(sqlError) = error {
            fail(sqlError.shellDescription)
        } else {
            fail("Error: \(error.message)")
        }
    }

    /// Runs one dot command; returns how the shell ends, if it should.
    @discardableResult
    public func dotCommand(_ line: String) -> Ending? {
        let command: DotCommand
        do {
            command = try DotCommand.parse(line)
        } catch {
            failureStatus = 1
            fail(oneLineErrors ? "kdsql: \(error.message)" : "Error: \(error.message)")
            return nil
        }
        // `.once FILE` catches the next output, whether of SQL or of a listing.
        var restore: OutputWriter?
        if command.writesListing, let once {
            restore = out
            out = once
            self.once = nil
        }
        defer {
            if let restore {
                out.flush()
                out = restore
            }
        }
        switch command {
        case let .exit(status):
            return .exit(status)
        case .help:
            out.write(DotCommand.helpText + "\n")
        case let .mode(format):
            if let format { settings.format = format } else { out.write("current output mode: \(settings.format.rawValue)\n") }
        case let .headers(on):
            if let on { settings.output.headers = on } else { out.write("headers: \(settings.output.headers ? "on" : "off")\n") }
        case let .timer(on):
            settings.timer = on
        case let .bail(on):
            settings.bail = on
        case let .hex(on):
            settings.output.hex = on
        case .show:
            show()
        case let .output(path):
            out.flush()
            if let path {
                do {
                    out = try OutputWriter.file(path)
                    outputName = path
                } catch { fail(error) }
            } else {
                out = screen
                outputName = "stdout"
            }
        case let .once(path):
            do { once = try OutputWriter.file(path) } catch { fail(error) }
        case let .parameterSet(name, value):
            parameters[name] = QueryParameters.evaluate(value, on: database)
        case let .parameterUnset(name):
            parameters[name] = nil
        case .parameterList:
            writeAligned(parameters.sorted { $0.key < $1.key }.map { [":" + $0.key, $0.value.description] })
        case .parameterClear:
            parameters.removeAll()
        case .tables:
            writeAligned(tableSummaries().map { [$0.name, $0.description] })
        case let .schema(table):
            schema(table)
        case .queries:
            writeAligned(library.queries.map { [$0.name, $0.description] })
        case let .query(name):
            guard let query = library[name] else { fail(.unknownQuery(name)); break }
            runSavedQuery(query)
        case let .read(path):
            return read(path)
        }
        out.flush()
        return nil
    }

    private func show() {
        let rows: [(String, String)] = [
            ("bail", settings.bail ? "on" : "off"),
            ("headers", settings.output.headers ? "on" : "off"),
            ("hex", settings.output.hex ? "on" : "off"),
            ("mode", settings.format.rawValue),
            ("output", outputName),
            ("parameters", parameters.isEmpty ? "none" : parameters.keys.sorted().map { ":" + $0 }.joined(separator: " ")),
            ("timer", settings.timer ? "on" : "off"),
        ]
        for (name, value) in rows { out.write(String(repeating: " ", count: 10 - name.count) + name + ": " + value + "\n") }
    }

    private func read(_ path: String) -> Ending? {
        guard readDepth < 16 else { fail("Error: .read nested too deeply (at \(path))"); return nil }
        let text: String
        do { text = try FileText.read(path) } catch { fail(error); return nil }
        readDepth += 1
        defer { readDepth -= 1 }
        var reader = TextLineReader(text)
        switch run(&reader) {
        case .endOfInput: return nil
        case let ending: return ending
        }
    }

    /// A table the dump provides or the user created (ordinary, virtual, view).
    func hasTable(_ name: String) -> Bool {
        database.definitions[name] != nil || userTables().contains(name)
    }

    private func userTables() -> [String] {
        ((try? database.query("SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'")) ?? [])
            .compactMap { row in if case .text(let name)? = row.first { name } else { nil } }
    }

    /// Tables for `.tables` and `.schema`: the dump's from their
    /// definitions in Grammar/, plus whatever the user created.
    func tableSummaries() -> [(name: String, description: String, columns: [[String]])] {
        var out: [(name: String, description: String, columns: [[String]])] = database.definitions.tables.map { table in
            (table.name, table.description, table.columns.map { [$0.name, $0.type.rawValue, $0.unit ?? "", $0.description] })
        }
        for name in userTables() {
            let quoted = name.sqlQuoted()
            let columns = ((try? database.query("SELECT name, type FROM pragma_table_info('\(quoted)')")) ?? [])
                .map { $0.map { ValueText.plain($0, null: "") } }
            out.append((name, "", columns))
        }
        return out.sorted { $0.name < $1.name }
    }

    private func schema(_ name: String?) {
        let tables = tableSummaries().filter { name == nil || $0.name == name }
        if let name, tables.isEmpty {
            fail("Error: no table named '\(name)'; .tables lists them")
            return
        }
        for (i, table) in tables.enumerated() {
            if i > 0 { out.write("\n") }
            out.write(table.description.isEmpty ? "\(table.name)\n" : "\(table.name): \(table.description)\n")
            writeAligned(table.columns, indent: "  ")
        }
    }

    /// Columns of text, each padded to its widest cell, no trailing blanks.
    private func writeAligned(_ rows: [[String]], indent: String = "") {
        guard let count = rows.map(\.count).max() else { return }
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

extension DotCommand {
    /// Commands that print something themselves (the rest change settings,
    /// or run SQL that takes a `.once` file on its own).
    var writesListing: Bool {
        switch self {
        case .tables, .schema, .queries, .parameterList, .show, .help, .mode(nil), .headers(nil): return true
        default: return false
        }
    }
}

extension String {
    /// Doubles single quotes for an SQL string literal.
    func sqlQuoted() -> String {
        var out = ""
        for ch in self { out.append(ch); if ch == "'" { out.append("'") } }
        return out
    }
}
