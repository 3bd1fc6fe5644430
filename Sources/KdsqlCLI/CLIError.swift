import KdsqlSQL

/// Everything that stops a `kdsql` run, with the exit status it maps to.
///
/// Each message is one line that says what went wrong and, where it helps,
/// what to do; `KdsqlMain` prefixes it with `kdsql: `.
public enum CLIError: Error, Equatable {
    /// The DUMP (or a file it needs) could not be opened or understood.
    case cannotOpenDump(path: String, reason: String)
    /// Bad or missing command-line arguments.
    case usage(String)
    /// A file given with the dump (`-m` System.map, `-k` vmlinux) is unreadable or unusable.
    case cannotUseFile(path: String, what: String, reason: String)
    /// `--cache-mb` not a positive number.
    case badCacheSize(String)
    /// A saved query's parameter has no value and no default.
    case missingParameter(query: String, name: String)
    /// A `--param` value is malformed or names no parameter.
    case badParameter(String)
    /// `-f FILE`, `.read FILE` or a queries directory could not be read.
    case cannotReadFile(path: String, reason: String)
    /// `-o FILE` or `.output FILE` could not be created.
    case cannotWriteOutput(path: String, reason: String)
    /// `-q NAME` names no saved query.
    case unknownQuery(String)
    /// A saved query needs tables this database does not have.
    case missingTables(query: String, tables: [String])
    /// SQLite rejected or failed a statement.
    case sql(SQLError)
    /// A statement failed because the dump is damaged where it needed to
    /// read (found mid-query; with --strict, any unreadable object).
    case damagedDump(SQLError)

    /// 1 for SQL errors, 2 for a bad dump or bad arguments, 3 for a dump
    /// found damaged mid-query (the documented contract).
    public var exitStatus: Int32 {
        switch self {
        case .damagedDump: return 3
        case .sql, .missingTables: return 1
        case .cannotOpenDump, .cannotUseFile, .usage, .cannotReadFile, .cannotWriteOutput, .unknownQuery, .badCacheSize, .missingParameter, .badParameter: return 2
        }
    }

    public var message: String {
        switch self {
        case let .cannotOpenDump(path, reason):
            // The fixed prefix is the documented wording; the path follows so
            // the engineer sees which file was meant.
            return reason.contains(path) ? "cannot open DUMP: \(reason)" : "cannot open DUMP: \(reason) (\(path))"
        case let .cannotUseFile(path, what, reason):
            return "cannot use \(what) \(path): \(reason)"
        case let .missingParameter(query, name):
            return "saved query '\(query)' needs parameter :\(name): give --param \(name)=VALUE (or .parameter set :\(name) VALUE in the shell)"
        case let .badParameter(text):
            return text
        case let .badCacheSize(text):
            return "--cache-mb needs a positive number of MiB (the page cache size), got \(text)"
        case let .usage(text):
            return text
        case let .cannotReadFile(path, reason):
            return "cannot read \(path): \(reason)"
        case let .cannotWriteOutput(path, reason):
            return "cannot write \(path): \(reason)"
        case let .unknownQuery(name):
            return "no saved query named '\(name)'; `kdsql queries` lists them"
        case let .missingTables(query, tables):
            return "saved query '\(query)' needs table\(tables.count == 1 ? "" : "s") \(tables.joined(separator: ", ")), which this dump does not provide"
        case let .sql(error):
            return error.oneLineDescription
        case let .damagedDump(error):
            return "the dump is damaged: " + error.oneLineDescription
        }
    }
}
