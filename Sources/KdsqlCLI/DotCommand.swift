/// A shell command starting with `.`, parsed from one line. Arguments are
/// separated by blanks; '...' or "..." quote one with blanks inside (a
/// doubled quote inside stands for itself), as in sqlite3.
public enum DotCommand: Equatable {
    case tables
    case schema(table: String?)
    /// nil: show the current mode.
    case mode(OutputFormat?)
    /// nil: show whether headers are on.
    case headers(Bool?)
    case output(path: String?)
    /// The next entry's output only.
    case once(path: String)
    case read(path: String)
    case timer(Bool)
    case bail(Bool)
    case hex(Bool)
    case show
    case parameterSet(name: String, value: String)
    case parameterUnset(name: String)
    case parameterList
    case parameterClear
    case help
    case exit(status: Int32)
    case queries
    case query(name: String)

    public enum ParseError: Error, Equatable {
        case unknown(String)
        case badArgument(command: String, usage: String)
        case unterminatedQuote(String)

        public var message: String {
            switch self {
            case let .unknown(name): return "unknown command: \(name)  (.help lists them)"
            case let .badArgument(_, usage): return "usage: \(usage)"
            case let .unterminatedQuote(line): return "unterminated quote in: \(line)"
            }
        }
    }

    public static let helpText = """
    .bail on|off           Stop at the first error (off: report it and go on)
    .exit [N]              Leave the shell with status N (default 0; also .quit, Ctrl-D)
    .headers [on|off]      Show column names in table and csv output (no argument: show the setting)
    .help                  Show this list
    .hex on|off            Write address columns in hex in csv output too
    .mode [MODE]           Output as table, csv, json, jsonl or line (no argument: show the mode)
    .once FILE             Send the next entry's output to FILE, then back to the screen
    .output [FILE]         Send output to FILE, or back to the screen without one
    .parameter set NAME VALUE   Bind :NAME to VALUE (an SQL literal or expression) in later statements
    .parameter unset NAME  Forget one parameter
    .parameter list        Show the parameters
    .parameter clear       Forget every parameter
    .queries               List the saved queries
    .query NAME            Run the saved query NAME (its parameters from .parameter, else their defaults)
    .quit                  Leave the shell
    .read FILE             Run the statements and dot commands in FILE
    .schema [TABLE]        Columns of TABLE (or of every table) with what they mean
    .show                  Show the current settings
    .tables                List the tables with a one-line description each
    .timer on|off          Print the time each entry took
    Ctrl-C clears the line being typed or interrupts the running statement;
    Tab completes dot commands, tables, columns and saved query names.
    Quote file names with blanks: .once 'my file.csv'
    """

    /// Every command name, for tab completion.
    public static let names = [".bail", ".exit", ".headers", ".help", ".hex", ".mode", ".once", ".output", ".parameter",
                               ".queries", ".query", ".quit", ".read", ".schema", ".show", ".tables", ".timer"]

    public static func parse(_ line: String) throws(ParseError) -> DotCommand {
        let words = try split(line.trimmed)
        guard let first = words.first else { throw .unknown(line) }
        let args = Array(words.dropFirst())
        func one(_ usage: String) throws(ParseError) -> String {
            guard args.count == 1 else { throw .badArgument(command: first, usage: usage) }
            return args[0]
        }
        func onOff(_ text: String, _ usage: String) throws(ParseError) -> Bool {
            switch text.lowercased() {
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
            let usage = ".mode [table|csv|json|jsonl|line]"
            guard args.count <= 1 else { throw .badArgument(command: first, usage: usage) }
            guard let arg = args.first else { return .mode(nil) }
            guard let format = OutputFormat(rawValue: arg) else { throw .badArgument(command: first, usage: usage) }
            return .mode(format)
        case ".headers", ".header":
            guard args.count <= 1 else { throw .badArgument(command: first, usage: ".headers [on|off]") }
            return .headers(try args.first.map { (a) throws(ParseError) in try onOff(a, ".headers [on|off]") })
        case ".output":
            guard args.count <= 1 else { throw .badArgument(command: first, usage: ".output [FILE]") }
            return .output(path: args.first)
        case ".once": return .once(path: try one(".once FILE"))
        case ".read": return .read(path: try one(".read FILE"))
        case ".timer": return .timer(try onOff(try one(".timer on|off"), ".timer on|off"))
        case ".bail": return .bail(try onOff(try one(".bail on|off"), ".bail on|off"))
        case ".hex": return .hex(try onOff(try one(".hex on|off"), ".hex on|off"))
        case ".show": return .show
        case ".parameter", ".param":
            let usage = ".parameter set NAME VALUE | unset NAME | list | clear"
            switch args.first {
            case "set":
                guard args.count >= 3 else { throw .badArgument(command: first, usage: usage) }
                // The value is the rest of the line as typed, so `.parameter set :s 'a b'` keeps its quotes.
                return .parameterSet(name: bareName(args[1]), value: rest(of: line, after: 3) ?? args[2...].joined(separator: " "))
            case "unset":
                guard args.count == 2 else { throw .badArgument(command: first, usage: usage) }
                return .parameterUnset(name: bareName(args[1]))
            case "list" where args.count == 1: return .parameterList
            case "clear" where args.count == 1: return .parameterClear
            default: throw .badArgument(command: first, usage: usage)
            }
        case ".help": return .help
        case ".quit": return .exit(status: 0)
        case ".exit":
            guard args.count <= 1 else { throw .badArgument(command: first, usage: ".exit [N]") }
            guard let arg = args.first else { return .exit(status: 0) }
            guard let status = Int32(arg), (0...255).contains(status) else { throw .badArgument(command: first, usage: ".exit [N] (N from 0 to 255)") }
            return .exit(status: status)
        case ".queries": return .queries
        case ".query": return .query(name: try one(".query NAME"))
        default: throw .unknown(first)
        }
    }

    /// `:pid`, `@pid`, `$pid` and `pid` all name the parameter `pid`.
    static func bareName(_ name: String) -> String {
        guard let first = name.first, first == ":" || first == "@" || first == "$" else { return name }
        return String(name.dropFirst())
    }

    /// Words of a dot-command line, honouring '...' and "..." quoting.
    static func split(_ line: String) throws(ParseError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var chars = Array(line)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == q {
                    if i + 1 < chars.count, chars[i + 1] == q { current.append(q); i += 2; continue }
                    quote = nil
                } else {
                    current.append(c)
                }
            } else if c == " " || c == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else {
                current.append(c)
                inWord = true
            }
            i += 1
        }
        if quote != nil { throw .unterminatedQuote(line) }
        if inWord { words.append(current) }
        chars.removeAll()
        return words
    }

    /// The raw text of `line` after its first `count` blank-separated words.
    static func rest(of line: String, after count: Int) -> String? {
        var text = Substring(line.trimmed)
        for _ in 0..<count {
            guard let blank = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return nil }
            text = text[blank...].drop(while: { $0 == " " || $0 == "\t" })
        }
        return text.isEmpty ? nil : String(text)
    }
}
