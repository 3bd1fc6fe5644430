/// The README's table reference, generated from the definitions
/// (`kdsql --table-reference`).
public enum TableReference {
    /// Tables (and, when given, scalar functions) as Markdown.
    public static func markdown(_ definitions: DefinitionSet, functions: [ScalarFunction] = []) -> String {
        var md = "## Table reference\n\n"
        for t in definitions.tables {
            md += "- [`\(t.name)`](#\(t.name)) — \(t.description)\n"
        }
        for t in definitions.tables {
            md += "\n### \(t.name)\n\n\(t.description)\n\n"
            md += "| column | type | unit | push-down | description |\n|---|---|---|---|---|\n"
            for c in t.columns {
                var name = "`\(c.name)`"
                if c.isArgument { name += " (argument)" } else if c.isHidden { name += " (hidden)" }
                let ops = c.pushdown.map { $0.rawValue == "!=" ? "!=" : $0.rawValue }.joined(separator: " ")
                md += "| \(name) | \(c.type.rawValue) | \(c.unit ?? "") | \(escape(ops)) | \(escape(c.description)) |\n"
            }
            if !t.examples.isEmpty {
                md += "\nExamples:\n\n"
                for e in t.examples {
                    if let d = e.description { md += "- \(d):\n" } else { md += "-\n" }
                    md += "  ```sql\n  \(e.sql)\n  ```\n"
                }
            }
        }
        if !functions.isEmpty {
            md += "\n## Functions\n\n| function | arguments | description |\n|---|---|---|\n"
            for f in functions {
                let arity = f.arities.count == 1 ? "\(f.arities.lowerBound)" : "\(f.arities.lowerBound)–\(f.arities.upperBound)"
                md += "| `\(f.name)` | \(arity) | \(escape(f.description)) |\n"
            }
        }
        return md
    }

    /// Text for the shell's `.schema`: the CREATE statement with each column's
    /// description as an SQL comment.
    public static func schema(_ t: TableDefinition) -> String {
        var text = "-- \(t.description)\nCREATE TABLE \(t.name)(\n"
        let width = t.columns.map(\.name.count).max() ?? 0
        for (i, c) in t.columns.enumerated() {
            var line = "  \(c.name.padding(to: width)) \(c.type.rawValue)"
            if c.isHidden { line += " HIDDEN" }
            if i < t.columns.count - 1 { line += "," }
            var comment = c.description
            if let u = c.unit { comment += " [\(u)]" }
            text += line.padding(to: width + 20) + " -- " + comment + "\n"
        }
        return text + ");"
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for ch in s { out += ch == "|" ? "\\|" : String(ch) }
        return out
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
