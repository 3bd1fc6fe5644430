@preconcurrency import Glibc

/// What `kdsql` asks for when it opens a dump.
public struct SessionRequest: Equatable, Sendable {
    public var dumpPath: String
    public var systemMap: String?
    public var vmlinux: String?
    /// "dwarf" or "btf" (`--types`); nil: the default.
    public var types: String? = nil
    public var cacheMB: Int?
    /// Unreadable memory is an error instead of NULL plus a warning.
    public var strict: Bool
}

/// The seam between the front end and the kernel layers: turns a request
/// into an open connection with every table registered.
///
/// LEAD: replace `standard` with one that opens the dump (KdsqlDump →
/// Kernel → KdsqlDatabase) and returns the database, throwing
/// `.cannotOpenDump` with a one-line reason when it cannot; and set
/// `sampleDumpPath` once a sample dump is bundled.
public struct SessionOpener: Sendable {
    public var open: @Sendable (SessionRequest) throws(CLIError) -> any QueryConnection
    /// Where `--sample` finds the bundled dump; nil when this build has none.
    public var sampleDumpPath: @Sendable () -> String?

    public init(open: @escaping @Sendable (SessionRequest) throws(CLIError) -> any QueryConnection,
                sampleDumpPath: @escaping @Sendable () -> String? = { nil }) {
        self.open = open
        self.sampleDumpPath = sampleDumpPath
    }

    /// Placeholder until the kernel layers are wired in: checks that the
    /// dump (and System.map) can be opened, then hands out an empty
    /// in-memory database.
    public static let standard = SessionOpener { (request) throws(CLIError) -> any QueryConnection in
        try checkReadable(request.dumpPath) { .cannotOpenDump(path: request.dumpPath, reason: $0) }
        if let map = request.systemMap {
            try checkReadable(map) { .cannotReadFile(path: map, reason: $0) }
        }
        do throws(StatementError) {
            return try MemoryConnection()
        } catch {
            throw .cannotOpenDump(path: request.dumpPath, reason: error.message)
        }
    }

    static func checkReadable(_ path: String, _ failure: (String) -> CLIError) throws(CLIError) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(SystemError.describe(errno)) }
        close(fd)
    }
}
