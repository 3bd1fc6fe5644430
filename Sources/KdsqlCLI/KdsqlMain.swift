import ArgumentParser
@preconcurrency import Glibc

/// The `kdsql` entry point: parses arguments, dispatches, and turns every
/// failure into one `kdsql: ...` line on stderr and the documented exit
/// status (0 success, 1 SQL error, 2 bad dump or bad arguments).
public enum KdsqlMain {
    /// `main.swift` calls this.
    public static func run() -> Never {
        exit(status(arguments: Array(CommandLine.arguments.dropFirst())))
    }

    public static func status(arguments: [String]) -> Int32 {
        do {
            // `kdsql help [SUBCOMMAND]`, unless a dump file is called `help`.
            if arguments.first == "help", !FileText.exists("help") {
                return try help(Array(arguments.dropFirst()))
            }
            // ArgumentParser reads `--cache-mb -5` as a missing value followed by a flag.
            if let i = arguments.firstIndex(of: "--cache-mb"), i + 1 < arguments.count,
               arguments[i + 1].hasPrefix("-"), Int(arguments[i + 1]) != nil {
                throw CLIError.badCacheSize(arguments[i + 1])
            }
            // `queries` must not be taken for a DUMP: a root command with
            // positional arguments does not dispatch to its subcommands.
            if arguments.first == "queries" {
                let list: QueriesCommand
                do { list = try QueriesCommand.parse(Array(arguments.dropFirst())) } catch {
                    return parserFailure(error, of: QueriesCommand.self)
                }
                return try listQueries(list)
            }
            switch try KdsqlCommand.parseAsRoot(arguments) {
            case let command as KdsqlCommand:
                if command.tableReference {
                    // Generated from the definitions in Grammar/, so the README cannot drift.
                    let out = OutputWriter.standardOutput()
                    out.write(try DumpOpener.tableReference(tables: command.tables))
                    out.flush()
                    return 0
                }
                if command.dump == "queries", !command.hasStatements, !command.sample, !FileText.exists("queries") {
                    // `kdsql --queries-dir DIR queries`
                    var list = QueriesCommand()
                    list.queriesDir = command.queriesDir
                    return try listQueries(list)
                }
                return try Invocation(command: command, arguments: arguments).run()
            case let command as QueriesCommand:
                return try listQueries(command)
            default:
                // ArgumentParser's own `help` subcommand (what `--help` parses
                // to once subcommands exist).
                let out = OutputWriter.standardOutput()
                out.write(KdsqlCommand.helpMessage() + "\n")
                out.flush()
                return 0
            }
        } catch let error as CLIError {
            writeStandardError("kdsql: \(error.message)")
            return error.exitStatus
        } catch {
            return parserFailure(error, of: KdsqlCommand.self)
        }
    }

    /// Help and --version are "errors" to the parser but successes to us;
    /// real parse errors become one line and status 2.
    static func parserFailure<Command: ParsableCommand>(_ error: any Error, of command: Command.Type) -> Int32 {
        if Command.exitCode(for: error) == .success {
            let out = OutputWriter.standardOutput()
            // For a help request fullMessage can come back empty when the
            // error reached us through parseAsRoot; the help text is known anyway.
            let text = Command.fullMessage(for: error)
            out.write((text.isEmpty ? Command.helpMessage() : text) + "\n")
            out.flush()
            return 0
        }
        let message = Command.message(for: error)
        let firstLine = message.split(separator: "\n").first.map(String.init) ?? message
        writeStandardError("kdsql: \(firstLine.trimmed); see kdsql --help")
        return 2
    }

    /// `kdsql help`, `kdsql help queries`.
    static func help(_ rest: [String]) throws(CLIError) -> Int32 {
        let text: String
        switch rest.first {
        case nil: text = KdsqlCommand.helpMessage()
        case "queries": text = KdsqlCommand.helpMessage(for: QueriesCommand.self)
        case "help": text = "USAGE: kdsql help [SUBCOMMAND]\n\nShows the help of kdsql or of SUBCOMMAND (queries)."
        case let other?: throw .usage("no subcommand named '\(other)': kdsql help [queries]")
        }
        let out = OutputWriter.standardOutput()
        out.write(text + "\n")
        out.flush()
        return 0
    }

    static func listQueries(_ command: QueriesCommand) throws(CLIError) -> Int32 {
        let library = try QueryLibrary.standard(queriesDir: command.queriesDir)
        for problem in library.problems { writeStandardError("kdsql: warning: \(problem)") }
        let queries = library.queries
        let width = queries.map(\.name.count).max() ?? 0
        let out = OutputWriter.standardOutput()
        for query in queries {
            out.write(query.name + String(repeating: " ", count: width - query.name.count + 2) + query.description + "\n")
        }
        out.flush()
        return 0
    }
}
