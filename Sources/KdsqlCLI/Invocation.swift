@preconcurrency import Glibc
import KdsqlDebugInfo

/// One run of `kdsql [OPTIONS] DUMP [SQL]`: checks the arguments, opens the
/// dump through the seam, then runs the statements, the piped script or the
/// interactive shell. Returns the exit status; throws for the one-line
/// failures `KdsqlMain` reports.
struct Invocation {
    let command: KdsqlCommand
    let opener: SessionOpener

    func run() throws(CLIError) -> Int32 {
        let (vmlinux, dumpPath, positionalSQL) = try vmlinuxDumpAndSQL()
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
            dumpPath: dumpPath, systemMap: command.systemMap, vmlinux: vmlinux,
            types: command.types?.rawValue,
            cacheMB: command.cacheMB, strict: command.strict))

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

    /// crash's order, `kdsql VMLINUX DUMP [SQL]`: a first positional that is
    /// an ELF executable is the vmlinux, and the rest shift by one.
    private func vmlinuxDumpAndSQL() throws(CLIError) -> (String?, String, String?) {
        if !command.sample, let first = command.dump, Vmlinux.looksLikeVmlinux(path: first) {
            guard command.vmlinux == nil else {
                throw .usage("two vmlinux files: \(first) and -k \(command.vmlinux!); give one")
            }
            guard let dump = command.sql else {
                throw .usage("missing DUMP after the vmlinux \(first): kdsql VMLINUX DUMP [SQL]")
            }
            return (first, dump, command.sqlAfterVmlinuxOrder)
        }
        guard command.sqlAfterVmlinuxOrder == nil else {
            throw .usage("too many arguments: kdsql [OPTIONS] DUMP [SQL] (quote the SQL, or use -c)")
        }
        let (dump, sql) = try dumpAndSQL()
        return (command.vmlinux, dump, sql)
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
            guard !warnings.isEmpty else { return }
            out.flush()
            for warning in warnings { writeStandardError("kdsql: warning: \(warning)") }
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
