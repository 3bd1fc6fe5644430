@preconcurrency import Glibc
import KdsqlMemory
import KdsqlSQL

/// The real seam: opens the dump through the kernel layers and registers
/// every table on a fresh SQLite connection.
extension SessionOpener {
    public static let dump = SessionOpener(
        open: { (request) throws(CLIError) -> any QueryConnection in
            if let map = request.systemMap {
                try checkReadable(map) { .cannotReadFile(path: map, reason: $0) }
            }
            if let vmlinux = request.vmlinux {
                try checkReadable(vmlinux) { .cannotReadFile(path: vmlinux, reason: $0) }
            }
            do {
                var options = Kernel.Options(systemMapPath: request.systemMap, vmlinuxPath: request.vmlinux,
                                             typeSource: request.types.flatMap(TypeSource.init(rawValue:)))
                if let mb = request.cacheMB { options.cacheBytes = max(1, mb) << 20 }
                let kernel = try Kernel.open(path: request.dumpPath, options: options)
                let context = ConnectionContext(kernel: kernel, options: .init(strict: request.strict))
                return try KdsqlDatabase(context: context)
            } catch {
                // Every layer's errors describe themselves in one line.
                throw .cannotOpenDump(path: request.dumpPath, reason: "\(error)")
            }
        },
        sampleDumpPath: { bundledSamplePath() })

    /// The sample dump committed with the project (Tests/Fixtures/sample),
    /// found from this source file's place in the checkout, or through
    /// $KDSQL_SAMPLE for an installed binary.
    static func bundledSamplePath() -> String? {
        if let env = getenv("KDSQL_SAMPLE") { return String(cString: env) }
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let path = parts.joined(separator: "/") + "/Tests/Fixtures/sample/vmcore"
        return access(path, R_OK) == 0 ? path : nil
    }
}

/// `.tables` and `.schema` come from the table definitions in Grammar/,
/// plus whatever tables and views the user created in this session.
extension KdsqlDatabase: QueryConnection {
    public func tableSummaries() -> [TableSummary] {
        let own = ((try? query("SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'")) ?? [])
            .compactMap { row -> TableSummary? in
                guard case .text(let name)? = row.first else { return nil }
                return TableSummary(name: name, description: "", columns: [])
            }
        let builtin = definitions.tables.map { table in
            TableSummary(name: table.name, description: table.description,
                         columns: table.columns.map {
                             ColumnSummary(name: $0.name, type: $0.type.rawValue, unit: $0.unit ?? "", description: $0.description)
                         })
        }
        return (own + builtin).sorted { $0.name < $1.name }
    }
}

/// The Markdown table reference from the compiled-in definitions (no dump needed).
func tableReferenceMarkdown() throws(CLIError) -> String {
    do {
        return try KdsqlDatabase().tableReference
    } catch {
        throw .usage("cannot build the table reference: \(error)")
    }
}
