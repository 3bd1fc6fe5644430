/// One saved query: a `.sql` file whose leading comment lines are a header.
///
/// ```
/// -- name: ps
/// -- description: Process list like crash's ps
/// -- requires: tasks
/// -- param: pid INTEGER default (SELECT pid FROM panic)
/// -- output: text
/// SELECT ...
/// ```
/// `name` falls back to the file name without `.sql`; `requires` lists the
/// tables the query reads, so a dump without them gets a clear message
/// instead of `no such table`; each `param` declares a `:NAME` the query
/// uses, its type and an optional default expression; `output: text`
/// prints the first column as plain lines for people (Queries/README.md).
public struct SavedQuery: Equatable, Sendable {
    public var name: String
    public var description: String
    public var requires: [String]
    public var parameters: [Parameter] = []
    /// `output: text`: table and line output print the first column as plain lines.
    public var plainText = false

    /// `-- param: NAME TYPE [default (SQL)]`
    public struct Parameter: Equatable, Sendable {
        public var name: String
        /// INTEGER, REAL or TEXT: how a value given as text is converted.
        public var type: String
        /// An SQL expression evaluated on the dump when no value is given.
        public var defaultSQL: String?

        public init(name: String, type: String = "TEXT", defaultSQL: String? = nil) {
            self.name = name
            self.type = type
            self.defaultSQL = defaultSQL
        }

        /// Parses `pid INTEGER default (SELECT pid FROM panic)`.
        static func parse(_ text: String) -> Parameter? {
            var rest = Substring(text.trimmed)
            func word() -> String? {
                rest = rest.drop(while: { $0 == " " || $0 == "\t" })
                guard !rest.isEmpty else { return nil }
                let end = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? rest.endIndex
                defer { rest = rest[end...] }
                return String(rest[..<end])
            }
            guard let rawName = word() else { return nil }
            let name = DotCommand.bareName(rawName)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            var parameter = Parameter(name: name)
            let saved = rest
            if let type = word() {
                if type.lowercased() == "default" {
                    rest = saved
                } else {
                    parameter.type = type.uppercased()
                }
            }
            if let keyword = word() {
                guard keyword.lowercased() == "default" else { return nil }
                let expression = rest.trimmed
                guard !expression.isEmpty else { return nil }
                parameter.defaultSQL = expression
            }
            return parameter
        }
    }
    /// The whole file; SQLite skips the header comments.
    public var sql: String
    /// Where it came from (`built-in`, or a file path), for messages.
    public var origin: String

    public init(name: String, description: String, requires: [String] = [], sql: String, origin: String) {
        self.name = name
        self.description = description
        self.requires = requires
        self.sql = sql
        self.origin = origin
    }

    public enum ParseError: Error, Equatable {
        case noName(origin: String)
        case badName(String, origin: String)
        case noSQL(origin: String)
        case badParameter(String, origin: String)

        public var message: String {
            switch self {
            case let .badParameter(text, origin): return "\(origin): cannot read parameter '\(text)' (write NAME TYPE [default (SQL)])"
            case let .noName(origin): return "\(origin): no `-- name:` header"
            case let .badName(name, origin): return "\(origin): query name '\(name)' must be letters, digits, '_' or '-'"
            case let .noSQL(origin): return "\(origin): no SQL after the header"
            }
        }
    }

    public static func parse(_ text: String, origin: String, fallbackName: String? = nil) throws(ParseError) -> SavedQuery {
        var name = fallbackName
        var description = ""
        var requires: [String] = []
        var parameters: [Parameter] = []
        var plainText = false
        var hasSQL = false
        var inHeader = true
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmed
            if line.isEmpty { continue }
            guard inHeader, line.hasPrefix("--") else {
                inHeader = false
                if !line.hasPrefix("--") { hasSQL = true; break }
                continue
            }
            let body = line.dropFirst(2).trimmed
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = body[..<colon].trimmed.lowercased()
            let value = body[body.index(after: colon)...].trimmed
            switch key {
            case "name": name = value
            case "description": description = value
            case "requires":
                requires = value.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty }
            case "param":
                guard let parameter = Parameter.parse(value) else { throw .badParameter(value, origin: origin) }
                parameters.append(parameter)
            case "output": plainText = value.lowercased() == "text"
            default: break // unknown keys are left for later versions
            }
        }
        guard let name, !name.isEmpty else { throw .noName(origin: origin) }
        guard name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }) else {
            throw .badName(name, origin: origin)
        }
        guard hasSQL else { throw .noSQL(origin: origin) }
        var query = SavedQuery(name: name, description: description, requires: requires, sql: text, origin: origin)
        query.parameters = parameters
        query.plainText = plainText
        return query
    }
}

extension StringProtocol {
    var trimmed: String {
        let scalars = Array(unicodeScalars)
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars[first...last])
        return result
    }
}
