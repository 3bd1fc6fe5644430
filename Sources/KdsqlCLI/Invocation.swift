@preconcurrency import Glibc

/// One run of `kdsql [OPTIONS] DUMP [SQL]`: checks the arguments, opens the
/// dump through the seam, then runs the statements, the piped script or the
/// interactive shell. Returns the exit status; throws for the one-line
/// failures `KdsqlMain` reports.
struct Invocation {
    let command: KdsqlCommand
    let opener: SessionOpener

    func run() throws(CLIError) -> Int32 {
        let (dumpPath, positionalSQL) = try dumpAndSQL()
        let library = try QueryLibrary.standard(queriesDir: command.queriesDir)
        for problem in library.problems { writeStandardError("kdsql: warning: \(problem)") }

        // Everything that can fail cheaply fails before the dump is opened.
        var texts: [(sql: String, query: SavedQuery?)] = command.commands.map { ($0, nil) }
        if let positionalSQL { texts.append((positionalSQL, nil)) }
        for file in command.files { texts.append((try FileText.read(file), nil)) }
        for name in command.queries {
            guard let query = library[name] else { throw .unknownQuery(name) }
            texts.append((query.sql, query))
        }
        // `kdsql --sample` alone is the demo: the sys header, then the seed's
        // question, for people (table format unless another was asked for).
        let demo = command.sample && texts.isEmpty
        if demo {
            texts.append(("SELECT count(*) AS bash_tasks FROM tasks WHERE comm = 'bash'", nil))
        }
        let out = try command.output.map { (path) throws(CLIError) in try OutputWriter.file(path) } ?? .standardOutput()
        let format = command.format ?? (command.sample ? .table : .defaultFor(terminal: out.isTerminal))

        let connection = try opener.open(SessionRequest(
            dumpPath: dumpPath, systemMap: command.systemMap, vmlinux: command.vmlinux,
            cacheMB: command.cacheMB, strict: command.strict))
        for warning in connection.openWarnings { writeStandardError("kdsql: warning: \(warning)") }

        guard texts.isEmpty else {
            // The banner is for people; machine formats must stay parseable.
            if demo, format == .table || format == .line { printSummary(connection, to: out) }
            try runStatements(texts, on: connection, format: format, into: out)
            return 0
        }
        let interactive = isatty(STDIN_FILENO) == 1
        let shell = Shell(connection: connection, library: library, settings: ShellSettings(format: format), screen: out)
        if interactive {
            printSummary(connection, to: out)
            InterruptHandler.install(for: connection.handle)
            var reader = EditLineReader(historyPath: HistoryFile.path())
            shell.run(&reader)
            return 0
        }
        var reader = StreamLineReader()
        shell.run(&reader)
        return shell.hadError ? 1 : 0
    }

    /// With `--sample` the one positional is the SQL (there is no DUMP to give).
    private func dumpAndSQL() throws(CLIError) -> (String, String?) {
        if command.sample {
            guard command.sql == nil else {
                throw .usage("--sample replaces DUMP: give only the SQL after it")
            }
            guard let sample = opener.sampleDumpPath() else {
                throw .usage("this build has no bundled sample dump; give a DUMP instead of --sample")
            }
            return (sample, command.dump)
        }
        guard let dump = command.dump else {
            throw .usage("missing DUMP: give a crash dump file (or --sample); see kdsql --help")
        }
        return (dump, command.sql)
    }

    private func runStatements(_ texts: [(sql: String, query: SavedQuery?)], on connection: any QueryConnection,
                               format: OutputFormat, into out: OutputWriter) throws(CLIError) {
        let runner = StatementRunner(db: connection.handle)
        func warn() {
            let warnings = connection.drainWarnings()
            let summary = connection.drainDamageSummary()
            guard !warnings.isEmpty || summary != nil else { return }
            out.flush()
            for warning in warnings { writeStandardError("kdsql: warning: \(warning)") }
            if let summary { writeStandardError("kdsql: \(summary)") }
        }
        for text in texts {
            if let query = text.query {
                let missing = query.requires.filter { !connection.hasTable($0) }
                guard missing.isEmpty else { throw .missingTables(query: query.name, tables: missing) }
            }
            do {
                try runner.run(text.sql, format: format, headers: true, into: out, afterEach: warn)
            } catch {
                warn()
                out.flush()
                if connection.takeDamageFailure() != nil { throw .damagedDump(error) }
                throw .sql(error)
            }
        }
        out.flush()
        if let code = out.writeError, code != EPIPE {
            throw .cannotWriteOutput(path: command.output ?? "standard output", reason: SystemError.describe(code))
        }
    }

    private func printSummary(_ connection: any QueryConnection, to out: OutputWriter) {
        let lines = SysSummary.lines(for: connection)
        guard !lines.isEmpty else { return }
        for line in lines { out.write(line + "\n") }
        out.write("\n")
        out.flush()
    }
}
