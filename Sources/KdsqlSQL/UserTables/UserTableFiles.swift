@preconcurrency import Glibc
import KdsqlMemory

/// Tables users define in `.kdt` files with a `source` clause, read from
/// `--tables FILE_OR_DIR` and from `$XDG_CONFIG_HOME/kdsql/tables/`
/// (default `~/.config/kdsql/tables/`).
///
/// A bad definition is reported with its FILE:LINE:COLUMN and left out; the
/// other files and every built-in table still load. A file that does not
/// parse is left out whole (the parser stops at the first error).
public struct UserTableSet {
    /// Definitions that loaded (and, when bound to a kernel, bound).
    public private(set) var definitions: [TableDefinition] = []
    /// What was wrong, one per rejected table or file.
    public private(set) var errors: [DefinitionError] = []
    private var bindings: [String: UserTable.Bound] = [:]

    public init() {}

    /// The user's own directory: `$XDG_CONFIG_HOME/kdsql/tables`, else
    /// `$HOME/.config/kdsql/tables`.
    public static var defaultDirectory: String? {
        if let xdg = getenv("XDG_CONFIG_HOME"), xdg.pointee != 0 { return String(cString: xdg) + "/kdsql/tables" }
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) + "/.config/kdsql/tables" }
        return nil
    }

    /// Loads `paths` (files, or directories of `*.kdt` files, in name
    /// order), then the default directory if it exists. Explicit paths that
    /// cannot be read are errors; a missing default directory is not.
    public static func load(paths: [String], includeDefaultDirectory: Bool = true) -> UserTableSet {
        var set = UserTableSet()
        let builtin = (try? DefinitionSet.builtin()) ?? DefinitionSet()
        var files: [String] = []
        for path in paths {
            switch FileKind.of(path) {
            case .directory: files += kdtFiles(in: path)
            case .file: files.append(path)
            case .missing(let reason):
                set.errors.append(DefinitionError("cannot read table definitions: \(reason)", at: SourceLocation(file: path, line: 1, column: 1)))
            }
        }
        if includeDefaultDirectory, let dir = defaultDirectory, case .directory = FileKind.of(dir) {
            files += kdtFiles(in: dir)
        }
        for file in files {
            guard let text = readText(file) else {
                set.errors.append(DefinitionError("cannot read table definitions: \(String(cString: strerror(errno)))", at: SourceLocation(file: file, line: 1, column: 1)))
                continue
            }
            set.add(text: text, file: file, builtin: builtin)
        }
        return set
    }

    /// Parses one file's text and adds its tables.
    public mutating func add(text: String, file: String, builtin: DefinitionSet? = nil) {
        let builtin = builtin ?? ((try? DefinitionSet.builtin()) ?? DefinitionSet())
        let parsed: [TableDefinition]
        do throws(DefinitionError) {
            parsed = try DefinitionParser.parse(text, file: file)
        } catch {
            errors.append(error)
            return
        }
        for table in parsed {
            if builtin[table.name] != nil {
                errors.append(DefinitionError("table '\(table.name)' is a built-in table; give yours another name", at: table.location))
            } else if let other = definitions.first(where: { $0.name == table.name }) {
                errors.append(DefinitionError("table '\(table.name)' is already defined at \(other.location)", at: table.location))
            } else if table.source == nil {
                errors.append(DefinitionError("table '\(table.name)' has no source clause: a user-defined table needs one (source list_head \"...\" of \"...\" via \"...\";)", at: table.location))
            } else {
                definitions.append(table)
            }
        }
    }

    /// Binds every definition to `kernel`'s types now, moving those that do
    /// not fit this kernel (unknown type, member or symbol) to `errors`.
    public mutating func bind(to kernel: Kernel) {
        var kept: [TableDefinition] = []
        for table in definitions {
            do throws(DefinitionError) {
                bindings[table.name] = try UserTable.bind(table, to: kernel)
                kept.append(table)
            } catch {
                errors.append(error)
            }
        }
        definitions = kept
    }

    /// The tables to register on a connection (`KdsqlDatabase(extraDefinitions:extraTables:)`).
    public var registrations: [TableRegistration] {
        definitions.map { UserTable.registration($0, bound: bindings[$0.name]) }
    }

    private enum FileKind {
        case file, directory, missing(String)
        static func of(_ path: String) -> FileKind {
            var st = stat()
            guard stat(path, &st) == 0 else { return .missing(String(cString: strerror(errno))) }
            return st.st_mode & S_IFMT == S_IFDIR ? .directory : .file
        }
    }

    private static func kdtFiles(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".kdt"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted().map { directory + "/" + $0 }
    }

    private static func readText(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > 16 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
