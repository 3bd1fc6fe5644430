@preconcurrency import Glibc
import KdsqlDebugInfo
import KdsqlMemory
import KdsqlSQL

/// What `kdsql` asks for when it opens a dump.
public struct OpenRequest: Equatable, Sendable {
    public var dumpPath: String
    public var systemMap: String?
    public var vmlinux: String?
    /// `--modules-dir`: module files with DWARF.
    public var modulesDirectory: String?
    /// "dwarf" or "btf" (`--types`); nil: the default.
    public var types: String?
    public var cacheMB: Int?
    /// Unreadable memory is an error instead of NULL plus a warning.
    public var strict: Bool
    /// Most matches a memory search returns (`--search-limit`); nil: the default.
    public var searchLimit: Int?
    /// User-defined tables: `.kdt` files or directories (`--tables`).
    public var tables: [String]
    /// Also load `$XDG_CONFIG_HOME/kdsql/tables/`.
    public var userTableDirectory: Bool

    public init(dumpPath: String, systemMap: String? = nil, vmlinux: String? = nil, modulesDirectory: String? = nil, types: String? = nil,
                cacheMB: Int? = nil, strict: Bool = false, searchLimit: Int? = nil, tables: [String] = [],
                userTableDirectory: Bool = true) {
        self.tables = tables
        self.userTableDirectory = userTableDirectory
        self.dumpPath = dumpPath
        self.systemMap = systemMap
        self.vmlinux = vmlinux
        self.modulesDirectory = modulesDirectory
        self.types = types
        self.cacheMB = cacheMB
        self.strict = strict
        self.searchLimit = searchLimit
    }
}

/// Opens a dump through the kernel layers and registers every table on a
/// fresh connection. Each failure names the file it is about: the dump,
/// or the System.map / vmlinux given with it.
public enum DumpOpener {
    public static func open(_ request: OpenRequest) throws(CLIError) -> KdsqlDatabase {
        if let map = request.systemMap { try checkReadable(map, what: "System.map") }
        if let vmlinux = request.vmlinux { try checkReadable(vmlinux, what: "vmlinux") }
        if let dir = request.modulesDirectory {
            if let problem = ModuleDebugDirectory.directoryProblem(dir) {
                throw .cannotUseFile(path: dir, what: "modules directory", reason: problem)
            }
        }
        let kernel: Kernel
        do {
            var options = Kernel.Options(systemMapPath: request.systemMap, vmlinuxPath: request.vmlinux,
                                         modulesDirectory: request.modulesDirectory,
                                         typeSource: request.types.flatMap(TypeSource.init(rawValue:)), strict: request.strict)
            if let mb = request.cacheMB { options.cacheBytes = mb << 20 }
            kernel = try Kernel.open(path: request.dumpPath, options: options)
        } catch let error as DebugInfoError where request.systemMap != nil {
            // With a System.map given, symbols come from it alone: a
            // malformed map or one from another build is the map's fault.
            throw .cannotUseFile(path: request.systemMap!, what: "System.map", reason: "\(error)")
        } catch {
            // Every layer's errors describe themselves in one line.
            throw .cannotOpenDump(path: request.dumpPath, reason: "\(error)")
        }
        // User-defined tables are bound to this kernel's types now, so a
        // definition that does not fit it is reported before any query and
        // left out; the built-in tables are unaffected.
        var user = UserTableSet.load(paths: request.tables, includeDefaultDirectory: request.userTableDirectory)
        user.bind(to: kernel)
        for error in user.errors { writeStandardError("kdsql: warning: table definition not loaded: \(error)") }
        do {
            let database = try KdsqlDatabase(context: ConnectionContext(kernel: kernel, options: .init(
                strict: request.strict, searchLimit: request.searchLimit ?? ConnectionContext.Options().searchLimit)),
                                     extraDefinitions: user.definitions, extraTables: user.registrations)
            // Matched now rather than at the first query, so that a file of
            // another build is reported with the other open warnings.
            if request.modulesDirectory != nil { _ = database.context.session?.moduleDebugInfo() }
            return database
        } catch {
            throw .cannotOpenDump(path: request.dumpPath, reason: "\(error)")
        }
    }

    static func checkReadable(_ path: String, what: String) throws(CLIError) {
        // Only regular files: open(2) of a FIFO would block, and a directory
        // opens fine but is no map.
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & S_IFMT != S_IFREG {
            throw .cannotUseFile(path: path, what: what, reason: st.st_mode & S_IFMT == S_IFDIR ? "is a directory, not a file" : "is not a regular file")
        }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .cannotUseFile(path: path, what: what, reason: SystemError.describe(errno)) }
        close(fd)
    }

    /// The sample dump committed with the project (Tests/Fixtures/sample),
    /// found from this source file's place in the checkout, or through
    /// $KDSQL_SAMPLE for an installed binary.
    public static func samplePath() -> String? {
        if let env = Environment.value("KDSQL_SAMPLE") { return env }
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let path = parts.joined(separator: "/") + "/Tests/Fixtures/sample/vmcore"
        return access(path, R_OK) == 0 ? path : nil
    }

    /// The Markdown table reference from the compiled-in definitions (no dump needed).
    /// User tables come only from `tables` (`--tables`), not from the
    /// user's directory, so the README's copy does not depend on who runs it.
    static func tableReference(tables: [String] = []) throws(CLIError) -> String {
        let user = UserTableSet.load(paths: tables, includeDefaultDirectory: false)
        for error in user.errors { writeStandardError("kdsql: warning: table definition not loaded: \(error)") }
        do {
            return try KdsqlDatabase(extraDefinitions: user.definitions, extraTables: user.registrations).tableReference
        } catch {
            throw .usage("cannot build the table reference: \(error)")
        }
    }
}
