/// The saved queries a run can use, gathered along the search path:
/// the built-in ones (Queries/ in the source tree, compiled in), then
/// `$XDG_CONFIG_HOME/kdsql/queries` (default `~/.config/kdsql/queries`),
/// then `--queries-dir`. A later source wins when names clash, so a user
/// can override a shipped query.
public struct QueryLibrary: Sendable {
    private var byName: [String: SavedQuery] = [:]
    /// Files that were skipped, one line each, for warnings.
    public private(set) var problems: [String] = []

    public init() {}

    public var queries: [SavedQuery] { byName.values.sorted { $0.name < $1.name } }

    public subscript(name: String) -> SavedQuery? { byName[name] }

    public mutating func add(_ query: SavedQuery) { byName[query.name] = query }

    /// Adds every `*.sql` in `directory`; a missing directory adds nothing.
    public mutating func addDirectory(_ directory: String) {
        guard let files = FileText.entries(of: directory, suffix: ".sql") else { return }
        for file in files {
            let path = directory + "/" + file
            do {
                let text = try FileText.read(path)
                add(try SavedQuery.parse(text, origin: path, fallbackName: String(file.dropLast(4))))
            } catch let error as SavedQuery.ParseError {
                problems.append("ignoring saved query \(error.message)")
            } catch {
                problems.append("ignoring saved query \(path): \((error as? CLIError)?.message ?? "unreadable")")
            }
        }
    }

    /// The user's directory: `$XDG_CONFIG_HOME/kdsql/queries`, else `~/.config/kdsql/queries`.
    public static func userDirectory(environment: (String) -> String? = Environment.value) -> String? {
        if let config = environment("XDG_CONFIG_HOME") { return config + "/kdsql/queries" }
        if let home = environment("HOME") { return home + "/.config/kdsql/queries" }
        return nil
    }

    /// The built-in queries.
    public static func builtIn() -> QueryLibrary {
        var library = QueryLibrary()
        for (file, text) in EmbeddedQueries.files {
            do {
                library.add(try SavedQuery.parse(text, origin: "built-in \(file)", fallbackName: String(file.dropLast(4))))
            } catch {
                library.problems.append("ignoring saved query \(error.message)")
            }
        }
        return library
    }

    /// Built-in, then the user's directory, then `queriesDir` (which must exist).
    public static func standard(queriesDir: String?,
                                environment: (String) -> String? = Environment.value) throws(CLIError) -> QueryLibrary {
        var library = builtIn()
        if let user = userDirectory(environment: environment) { library.addDirectory(user) }
        if let queriesDir {
            guard FileText.isDirectory(queriesDir) else {
                throw .cannotReadFile(path: queriesDir, reason: "not a directory (given as --queries-dir)")
            }
            library.addDirectory(queriesDir)
        }
        return library
    }
}
