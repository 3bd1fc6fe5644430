import KdsqlSQL

/// Values for `:NAME` parameters: from `--param NAME=VALUE` (text, converted
/// by the declared type or by its look), `.parameter set`, and saved
/// queries' defaults.
enum QueryParameters {
    /// Parses one `--param NAME=VALUE`.
    static func parseOption(_ text: String) throws(CLIError) -> (name: String, value: String) {
        guard let eq = text.firstIndex(of: "=") else {
            throw .badParameter("--param \(text): write NAME=VALUE, e.g. --param pid=1")
        }
        let name = DotCommand.bareName(String(text[..<eq]))
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw .badParameter("--param \(text): the name must be letters, digits or '_'")
        }
        return (name, String(text[text.index(after: eq)...]))
    }

    /// A value typed as text, taken as what it looks like: an integer
    /// (decimal or 0x hex), a real, or text.
    static func guess(_ text: String) -> SQLValue {
        if let v = integer(text) { return .integer(v) }
        if let d = Double(text), !text.isEmpty, text.first != "." || text.count > 1 { return .real(d) }
        return .text(text)
    }

    static func integer(_ text: String) -> Int64? {
        let t = text.trimmed
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            return UInt64(t.dropFirst(2), radix: 16).map { Int64(bitPattern: $0) }
        }
        if t.hasPrefix("-0x") || t.hasPrefix("-0X") {
            return Int64(t.dropFirst(3), radix: 16).map { -$0 }
        }
        return Int64(t)
    }

    /// `text` converted to a declared parameter type.
    static func convert(_ text: String, to parameter: SavedQuery.Parameter, query: String) throws(CLIError) -> SQLValue {
        switch parameter.type {
        case "INTEGER", "INT":
            guard let v = integer(text) else {
                throw .badParameter("saved query '\(query)': parameter \(parameter.name) is an INTEGER, got '\(text)'")
            }
            return .integer(v)
        case "REAL":
            guard let d = Double(text.trimmed) else {
                throw .badParameter("saved query '\(query)': parameter \(parameter.name) is a REAL, got '\(text)'")
            }
            return .real(d)
        default:
            return .text(text)
        }
    }

    /// Evaluates a value the shell was given (`.parameter set :x 1+1`): an
    /// SQL expression if it is one, else the text itself.
    static func evaluate(_ text: String, on database: KdsqlDatabase) -> SQLValue {
        if let row = try? database.query("SELECT \(text)").first, row.count == 1 { return row[0] }
        return .text(text)
    }

    /// Every parameter `query` declares, bound: given values first (command
    /// line or shell), then the default evaluated on the dump; one without
    /// either is an error.
    static func resolve(_ query: SavedQuery, given: [String: SQLValue], on database: KdsqlDatabase) throws(CLIError) -> [String: SQLValue] {
        var values = given
        for parameter in query.parameters {
            if let value = given[parameter.name] {
                if case let .text(text) = value, parameter.type != "TEXT" {
                    values[parameter.name] = try convert(text, to: parameter, query: query.name)
                }
                continue
            }
            guard let expression = parameter.defaultSQL else {
                throw .missingParameter(query: query.name, name: parameter.name)
            }
            do {
                values[parameter.name] = try database.query("SELECT \(expression)").first?.first ?? .null
            } catch {
                throw .badParameter("saved query '\(query.name)': the default of \(parameter.name) failed: \(error.message)")
            }
        }
        return values
    }
}
