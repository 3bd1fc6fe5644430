/// A shell command starting with `.`, parsed from one line.
public enum DotCommand: Equatable {
    case tables
    case schema(table: String?)
    case mode(OutputFormat)
    case headers(Bool)
    case output(path: String?)
    case read(path: String)
    case timer(Bool)
    case help
    case quit
    case queries
    case query(name: String)

    public enum ParseError: Error, Equatable {
        case unknown(String)
        case badArgument(command: String, usage: String)

        public var message: String {
            switch self {
            case let .unknown(name): return "unknown command: \(name)  (.help lists them)"
            case let .badArgument(_, usage): return "usage: \(usage)"
            }
        }
    }

    public static let helpText = """
    .exit                  Leave the shell (also .quit, or Ctrl-D)
    .headers on|off        Show column names in table and csv output
    .help                  Show this list
    .mode MODE             Output as table, csv, json, jsonl or line
    .output [FILE]         Send output to FILE, or back to the screen without one
    .queries               List the saved queries
    .query NAME            Run the saved query NAME
    .quit                  Leave the shell
    .read FILE             Run the statements and dot commands in FILE
    .schema [TABLE]        Columns of TABLE (or of every table) with what they mean
    .tables                List the tables with a one-line description each
    .timer on|off          Print the time each entry took
    """

    public static func parse(_ line: String) throws(ParseError) -> DotCommand {
        let words = line.trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { throw .unknown(line) }
        let args = Array(words.dropFirst())
        func one(_ usage: String) throws(ParseError) -> String {
            guard args.count == 1 else { throw .badArgument(command: first, usage: usage) }
            return args[0]
        }
        func onOff(_ usage: String) throws(ParseError) -> Bool {
            switch try one(usage).lowercased() {
            case "on", "yes", "1", "true": return true
            case "off", "no", "0", "false": return false
            default: throw .badArgument(command: first, usage: usage)
            }
        }
        switch first {
        case ".tables": return .tables
        case ".schema":
            guard args.count <= 1 else { throw .badArgument(command: first, usage: ".schema [TABLE]") }
            return .schema(table: args.first)
        case ".mode":
            let usage = ".mode table|csv|json|jsonl|line"
            guard let format = OutputFormat(rawValue: try one(usage)) else { throw .badArgument(command: first, usage: usage) }
            return .mode(format)
        case ".headers", ".header": return .headers(try onOff(".headers on|off"))
        case ".output", ".once":
            guard args.count <= 1 else { throw .badArgument(command: first, usage: ".output [FILE]") }
            return .output(path: args.first)
        case ".read": return .read(path: try one(".read FILE"))
        case ".timer": return .timer(try onOff(".timer on|off"))
        case ".help": return .help
        case ".quit", ".exit": return .quit
        case ".queries": return .queries
        case ".query": return .query(name: try one(".query NAME"))
        default: throw .unknown(first)
        }
    }
}
