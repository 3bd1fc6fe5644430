/// The -c, -f and -q options and the positional SQL in the order they were
/// given. The argument parser collects each option into its own array, so
/// the order comes from a second look at the raw arguments.
enum StatementSource: Equatable {
    case sql(String)
    case file(String)
    case query(String)

    /// Options that take a value (so that value is not taken for a positional).
    static let valueOptions: Set<String> = ["-m", "--system-map", "-k", "--vmlinux", "--modules-dir", "--types", "--format", "-o", "--output",
                                            "--cache-mb", "--queries-dir", "--param", "--report"]

    /// Which positional is the SQL: the first with --sample, the second
    /// after DUMP, the third in crash's `VMLINUX DUMP SQL`.
    enum SQLPosition: Int { case first = 1, second, third }

    /// `arguments` as given; `command` as parsed from them. Falls back to
    /// the parsed arrays (-c, SQL, -f, -q) if the two readings disagree.
    static func ordered(_ arguments: [String], command: KdsqlCommand, sqlPosition: SQLPosition) -> [StatementSource] {
        var out: [StatementSource] = []
        var positionals = 0
        var i = 0
        var onlyPositionals = false
        func value(at j: Int) -> String? { j < arguments.count ? arguments[j] : nil }
        while i < arguments.count {
            let a = arguments[i]
            if onlyPositionals || !a.hasPrefix("-") || a == "-" {
                positionals += 1
                // [VMLINUX] DUMP, then SQL (with --sample the first positional is the SQL).
                if positionals == sqlPosition.rawValue { out.append(.sql(a)) }
                i += 1
                continue
            }
            if a == "--" { onlyPositionals = true; i += 1; continue }
            let (name, inline): (String, String?) = {
                guard a.hasPrefix("--"), let eq = a.firstIndex(of: "=") else { return (a, nil) }
                return (String(a[..<eq]), String(a[a.index(after: eq)...]))
            }()
            let make: ((String) -> StatementSource)?
            switch name {
            case "-c", "--command": make = StatementSource.sql
            case "-f", "--file": make = StatementSource.file
            case "-q", "--query": make = StatementSource.query
            default: make = nil
            }
            if let make {
                if let inline { out.append(make(inline)); i += 1 } else if let v = value(at: i + 1) { out.append(make(v)); i += 2 } else { i += 1 }
                continue
            }
            i += (inline == nil && valueOptions.contains(name)) ? 2 : 1
        }
        var parsed: [StatementSource] = command.commands.map(StatementSource.sql)
        let positional = switch sqlPosition {
        case .first: command.dump
        case .second: command.sql
        case .third: command.sqlAfterVmlinuxOrder
        }
        if let positional { parsed.append(.sql(positional)) }
        parsed += command.files.map(StatementSource.file) + command.queries.map(StatementSource.query)
        let sameItems = out.count == parsed.count && out.allSatisfy { item in
            out.filter { $0 == item }.count == parsed.filter { $0 == item }.count
        }
        return sameItems ? out : parsed
    }
}
