@preconcurrency import Glibc
import KdsqlDebugInfo
import KdsqlSQL

/// One run of `kdsql [OPTIONS] DUMP [SQL]`: checks the arguments, opens the
/// dump, then writes the report, runs the statements in the order given, the
/// piped script or the interactive shell. Returns the exit status; throws
/// for the one-line failures `KdsqlMain` reports.
struct Invocation {
    let command: KdsqlCommand
    /// The raw arguments, for the order of -c, -f and -q.
    let arguments: [String]

    /// One thing to run, checked before the dump is opened.
    enum Item {
        case sql(String)
        case script(String)
        case query(SavedQuery)

        /// Whether the item can read the parameter `name`: a saved query that
        /// declares it, or SQL that names it as `:name`, `@name` or `$name`
        /// (a shell script's `.parameter` lines count too).
        func reads(parameter name: String) -> Bool {
            switch self {
            case .query(let query): return query.parameters.contains { $0.name == name } || Self.names(name, in: query.sql)
            case .sql(let text), .script(let text): return Self.names(name, in: text)
            }
        }

        private static func names(_ name: String, in text: String) -> Bool {
            let bytes = Array(text.utf8), want = Array(name.utf8)
            func isNameByte(_ b: UInt8) -> Bool { b == 95 || (b >= 48 && b <= 57) || ((b | 0x20) >= 97 && (b | 0x20) <= 122) }
            var i = 0
            while i + want.count < bytes.count {
                let b = bytes[i]
                if b == 58 || b == 64 || b == 36, Array(bytes[(i + 1)...(i + want.count)]) == want,
                   i + 1 + want.count == bytes.count || !isNameByte(bytes[i + 1 + want.count]) {
                    return true
                }
                i += 1
            }
            return false
        }
    }

    func run() throws(CLIError) -> Int32 {
        if let mb = command.cacheMB, mb <= 0 { throw CLIError.badCacheSize(String(mb)) }
        if let n = command.searchLimit, n <= 0 { throw CLIError.usage("--search-limit needs a positive number of matches, got \(n)") }
        let (vmlinux, dumpPath, sqlPosition) = try vmlinuxAndDumpPath()
        let sources = StatementSource.ordered(arguments, command: command, sqlPosition: sqlPosition)
        // Parsing the saved queries costs more than answering a small query, so
        // a run that cannot name one (SQL given with -c or as an argument, and
        // no --queries-dir) does without; a query by name, a script, the shell
        // and the demo load them.
        let onlySQL = !sources.isEmpty && command.queriesDir == nil && sources.allSatisfy {
            if case .sql = $0 { return true } else { return false }
        }
        let library = onlySQL ? QueryLibrary() : try QueryLibrary.standard(queriesDir: command.queriesDir)
        for problem in library.problems { writeStandardError("kdsql: warning: \(problem)") }

        // Everything that can fail cheaply fails before the dump is opened.
        var given: [String: String] = [:]
        for text in command.parameters {
            let (name, value) = try QueryParameters.parseOption(text)
            given[name] = value
        }
        var items: [Item] = []
        for source in sources {
            switch source {
            case .sql(let text): items.append(.sql(text))
            case .file(let path): items.append(.script(try FileText.read(path)))
            case .query(let name):
                guard let query = library[name] else { throw .unknownQuery(name) }
                for parameter in query.parameters where given[parameter.name] == nil && parameter.defaultSQL == nil {
                    throw .missingParameter(query: name, name: parameter.name)
                }
                items.append(.query(query))
            }
        }
        // A --param nothing reads is most often a misspelt name: say so rather than
        // run the statements with their defaults as if it had been used.
        for name in given.keys.sorted() where !items.contains(where: { $0.reads(parameter: name) }) {
            writeStandardError("kdsql: warning: --param \(name) is not used by any statement or saved query given")
        }
        // `kdsql --sample` alone is the demo: the sys header, then the seed's question.
        let demo = command.sample && items.isEmpty && command.report == nil
        if demo { items.append(.sql("SELECT count(*) AS bash_tasks FROM tasks WHERE comm = 'bash'")) }
        let out = try command.output.map { (path) throws(CLIError) in try OutputWriter.file(path) } ?? .standardOutput()
        let format = command.format ?? .defaultFor(terminal: out.isTerminal)

        let database = try DumpOpener.open(OpenRequest(
            dumpPath: dumpPath, systemMap: command.systemMap, vmlinux: vmlinux, modulesDirectory: command.modulesDir,
            types: command.types?.rawValue,
            cacheMB: command.cacheMB, strict: command.strict, searchLimit: command.searchLimit, tables: command.tables))
        for warning in database.context.kernel?.openWarnings ?? [] { writeStandardError("kdsql: warning: \(warning)") }

        if let report = command.report {
            try TriageReport.write(database: database, dumpPath: dumpPath, to: report)
            if items.isEmpty { return 0 }
        }
        let progress = ProgressMeter.wanted(command.progress) ? ProgressMeter(database: database) : nil
        var settings = ShellSettings(format: format, hex: command.hex)
        let parameterValues = given.mapValues(QueryParameters.guess)

        guard items.isEmpty else {
            // The banner is for people; machine formats must stay parseable.
            if demo, format.isForPeople { printSummary(database, to: out) }
            settings.bail = true
            let shell = Shell(database: database, library: library, settings: settings, screen: out, parameters: parameterValues)
            shell.oneLineErrors = true
            shell.progress = progress
            for item in items {
                switch item {
                case .sql(let text): shell.runSQL(text)
                case .script(let text):
                    var reader = TextLineReader(text)
                    // `.exit N` ends the run with N; `.exit`/`.quit` just end it (sqlite3's rule).
                    if case let .exit(status) = shell.run(&reader) {
                        if status != 0 { return status }
                        break
                    }
                case .query(let query):
                    // Saved queries convert --param text by their declared types.
                    shell.runSavedQuery(query, given: given.mapValues(SQLValue.text))
                }
                if shell.hadError { break }
            }
            out.flush()
            if let code = out.writeError, code != EPIPE {
                throw .cannotWriteOutput(path: command.output ?? "standard output", reason: SystemError.describe(code))
            }
            return shell.hadError ? shell.failureStatus : 0
        }
        let shell = Shell(database: database, library: library, settings: settings, screen: out, parameters: parameterValues)
        shell.progress = progress
        let ending: Shell.Ending
        let interactive = isatty(STDIN_FILENO) == 1
        if interactive {
            printSummary(database, to: out)
            out.write("Enter \".help\" for usage hints.\n")
            out.flush()
            InterruptHandler.install(for: database)
            if var reader = EditLineReader(historyPath: HistoryFile.path(), completions: shell.completions) {
                ending = shell.run(&reader)
            } else {
                writeStandardError("kdsql: warning: no line editing or history: \(EditLineReader.loadFailure ?? "libedit could not be loaded")")
                var reader = StreamLineReader()
                ending = shell.run(&reader)
            }
        } else {
            var reader = StreamLineReader()
            ending = shell.run(&reader)
        }
        // `.exit N` ends with N; `.exit`/`.quit` end with the run's status,
        // which for a person at the terminal is success (errors were shown).
        if case let .exit(status) = ending, status != 0 { return status }
        return shell.hadError && !interactive ? 1 : 0
    }

    /// The dump to open, and whether the first positional is the SQL
    /// (with `--sample` there is no DUMP to give).
    /// crash's order, `kdsql VMLINUX DUMP [SQL]`: a first positional that is
    /// an ELF executable is the vmlinux, and the rest shift by one. Returns
    /// the vmlinux (that or -k), the dump, and which positional is the SQL.
    private func vmlinuxAndDumpPath() throws(CLIError) -> (String?, String, StatementSource.SQLPosition) {
        if !command.sample, let first = command.dump, Vmlinux.looksLikeVmlinux(path: first) {
            if let given = command.vmlinux {
                throw .usage("two vmlinux files: \(first) and -k \(given); give one")
            }
            guard let dump = command.sql else {
                throw .usage("missing DUMP after the vmlinux \(first): kdsql VMLINUX DUMP [SQL]")
            }
            return (first, dump, .third)
        }
        guard command.sqlAfterVmlinuxOrder == nil else {
            throw .usage("too many arguments: kdsql [OPTIONS] DUMP [SQL] (quote the SQL, or use -c)")
        }
        let (dump, sqlIsPositional) = try dumpPath()
        return (command.vmlinux, dump, sqlIsPositional ? .first : .second)
    }

    private func dumpPath() throws(CLIError) -> (String, Bool) {
        if command.sample {
            guard command.sql == nil else {
                throw .usage("--sample replaces DUMP: give only the SQL after it")
            }
            guard let sample = DumpOpener.samplePath() else {
                throw .usage("this build has no bundled sample dump; give a DUMP instead of --sample")
            }
            return (sample, true)
        }
        guard let dump = command.dump else {
            throw .usage("missing DUMP: give a crash dump file (or --sample); see kdsql --help")
        }
        return (dump, false)
    }

    private func printSummary(_ database: KdsqlDatabase, to out: OutputWriter) {
        let lines = SysSummary.lines(for: database)
        guard !lines.isEmpty else { return }
        for line in lines { out.write(line + "\n") }
        out.write("\n")
        out.flush()
    }
}
