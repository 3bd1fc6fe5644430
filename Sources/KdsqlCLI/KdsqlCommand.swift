import ArgumentParser

/// `kdsql [OPTIONS] DUMP [SQL]` — the options as declared; `KdsqlMain` runs them.
public struct KdsqlCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kdsql",
        abstract: "SQL over Linux kernel crash dumps.",
        discussion: """
        With no SQL and stdin a terminal, starts an interactive shell (.help lists its commands); \
        with stdin piped, reads statements from it. Exit status: 0 success, 1 SQL error, \
        2 bad dump or bad arguments, 3 dump found damaged mid-query (objects it cannot read are \
        otherwise skipped with a warning; --strict turns that into this error).
        """,
        subcommands: [QueriesCommand.self])

    @Option(name: [.customShort("m"), .customLong("system-map")], help: ArgumentHelp("Symbols, where the dump cannot supply them.", valueName: "FILE"))
    public var systemMap: String?

    @Option(name: [.customShort("k"), .customLong("vmlinux")], help: ArgumentHelp("Debug vmlinux: symbols from its symbol table, types from its DWARF, source lines in stack_frames. `kdsql VMLINUX DUMP` (crash's order) works too.", valueName: "FILE"))
    public var vmlinux: String?

    @Option(name: .customLong("modules-dir"), help: ArgumentHelp("Directory of kernel module files with DWARF (e.g. usr/lib/debug/lib/modules/KVER of Debian's linux-image-KVER-dbg), searched recursively for *.ko and *.ko.debug: each loaded module whose name and build ID match a file gets source lines and inlined frames in stack_frames and kd_addr2line; modules.debug_file shows which file.", valueName: "DIR"))
    public var modulesDir: String?

    @Option(name: .customLong("types"), help: ArgumentHelp("Type source: dwarf (the debug vmlinux; found in /usr/lib/debug when -k is not given) or btf (from the dump). Default: dwarf with -k, else btf.", valueName: "dwarf|btf"))
    public var types: TypeSourceArgument?

    @Option(name: [.customShort("c"), .customLong("command")], help: ArgumentHelp("Run SQL and exit (repeatable; -c, -f and -q run in the order given).", valueName: "SQL"))
    public var commands: [String] = []

    @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("Run the statements and dot commands in a file.", valueName: "FILE.sql"))
    public var files: [String] = []

    @Option(name: [.customShort("q"), .customLong("query")], help: ArgumentHelp("Run a saved query from the library (`kdsql queries` lists them).", valueName: "NAME"))
    public var queries: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("Value of parameter :NAME for saved queries and statements (repeatable).", valueName: "NAME=VALUE"))
    public var parameters: [String] = []

    @Option(help: "Output format (default: table on a terminal, csv otherwise).")
    public var format: OutputFormat?

    @Flag(help: "Write address columns in hex in CSV output too (table, line and JSON always do).")
    public var hex = false

    @Flag(inversion: .prefixedNo, help: "Show a progress line on stderr while a statement runs over a second (default: when stderr is a terminal).")
    public var progress: Bool?

    @Option(name: .customLong("report"), help: ArgumentHelp("Write a self-contained HTML triage report of the dump to FILE.", valueName: "FILE.html"))
    public var report: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write results to FILE.", valueName: "FILE"))
    public var output: String?

    @Option(name: .customLong("cache-mb"), help: ArgumentHelp("Page cache size in MiB.", valueName: "N"))
    public var cacheMB: Int?

    @Option(name: .customLong("search-limit"), help: ArgumentHelp("Most matches kd_search and kd_search_physical return (default 10000; their max_matches argument overrides it).", valueName: "N"))
    public var searchLimit: Int?

    @Option(name: .customLong("queries-dir"), help: ArgumentHelp("More saved queries (wins over the built-in and user ones).", valueName: "DIR"))
    public var queriesDir: String?

    @Option(name: .customLong("tables"), help: ArgumentHelp("User-defined tables: a .kdt file or a directory of them (repeatable); $XDG_CONFIG_HOME/kdsql/tables/ is always read.", valueName: "FILE_OR_DIR"))
    public var tables: [String] = []

    @Flag(help: "Refuse damaged dumps: a cut file, or any object a scan cannot read, is an error (exit 3) instead of a skip or NULL with a warning.")
    public var strict = false

    @Flag(help: "Use the bundled sample dump instead of DUMP.")
    public var sample = false

    @Flag(name: .customLong("table-reference"), help: "Print every table, column and function as Markdown (the README's reference) and exit.")
    public var tableReference = false

    @Argument(help: ArgumentHelp("The crash dump (vmcore, kdump or ELF).", valueName: "DUMP"))
    public var dump: String?

    @Argument(help: ArgumentHelp("SQL to run, like one -c.", valueName: "SQL"))
    public var sql: String?

    /// The SQL when the first positional was a vmlinux (`kdsql VMLINUX DUMP SQL`).
    @Argument(help: .hidden)
    public var sqlAfterVmlinuxOrder: String?

    public init() {}

    public var hasStatements: Bool { !commands.isEmpty || sql != nil || !files.isEmpty || !queries.isEmpty }
}

/// `--types dwarf|btf`.
public enum TypeSourceArgument: String, CaseIterable, Sendable, ExpressibleByArgument {
    case dwarf, btf
}

/// `kdsql queries` — lists the saved queries; needs no dump.
public struct QueriesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "queries",
        abstract: "List the saved queries with their descriptions.")

    @Option(name: .customLong("search-limit"), help: ArgumentHelp("Most matches kd_search and kd_search_physical return (default 10000; their max_matches argument overrides it).", valueName: "N"))
    public var searchLimit: Int?

    @Option(name: .customLong("queries-dir"), help: ArgumentHelp("More saved queries to include.", valueName: "DIR"))
    public var queriesDir: String?

    public init() {}
}
