@preconcurrency import Glibc
import KdsqlMemory
import KdsqlDebugInfo

/// `kdsql_open(PATH [, SYSTEM_MAP [, VMLINUX [, MODULES_DIR]]])`: opens a dump on this
/// connection, for SQLite clients that load kdsql as an extension (the
/// `kdsql` command opens its dump itself). Every table and function of the
/// connection reads the new dump from the next statement on. Returns a
/// one-line description of what was opened.
enum OpenFunction {
    static let function = ScalarFunction(
        "kdsql_open", arguments: 1...4, deterministic: false,
        description: "Open a crash dump (and optionally its System.map, vmlinux and a directory of module debug files) on this connection") { args, context in
        func path(_ i: Int, _ what: String) throws -> String? {
            guard i < args.count, !args[i].isNull else { return nil }
            guard case .text(let p) = args[i], !p.isEmpty else {
                throw FunctionArgumentError("kdsql_open", "\(what) must be a file path (text), got \(args[i])")
            }
            return p
        }
        guard let dump = try path(0, "the dump") else { throw FunctionArgumentError("kdsql_open", "give the dump's path") }
        let kernel = try open(dump: dump, systemMap: try path(1, "the System.map"), vmlinux: try path(2, "the vmlinux"),
                              modulesDirectory: try path(3, "the modules directory"))
        context.attach(kernel)
        return .text("\(dump): Linux \(kernel.vmcoreinfo.osRelease ?? "?"), symbols from \(kernel.symbolSource)")
    }

    /// Opens `dump`; errors name the file they are about.
    /// - Parameter via: who asked, for the message (`kdsql_open()`, or the environment variable).
    static func open(dump: String, systemMap: String?, vmlinux: String?, modulesDirectory: String? = nil,
                     via: String = "kdsql_open()") throws -> Kernel {
        if let systemMap, access(systemMap, R_OK) != 0 {
            throw OpenError(via: via, path: systemMap, reason: String(cString: strerror(errno)))
        }
        if let modulesDirectory {
            do { try ModuleDebugDirectory.checkDirectory(modulesDirectory) } catch {
                throw OpenError(via: via, path: modulesDirectory, reason: errorText(error))
            }
        }
        do {
            return try Kernel.open(path: dump, options: Kernel.Options(systemMapPath: systemMap, vmlinuxPath: vmlinux,
                                                                       modulesDirectory: modulesDirectory))
        } catch let error as DebugInfoError where systemMap != nil {
            // With a System.map given, symbol errors are about the map, not the dump.
            throw OpenError(via: via, path: systemMap!, reason: errorText(error))
        } catch {
            throw OpenError(via: via, path: dump, reason: errorText(error))
        }
    }

    struct OpenError: Error, CustomStringConvertible {
        var via: String
        var path: String
        var reason: String
        var description: String { reason.contains(path) ? "\(via): \(reason)" : "\(via): \(path): \(reason)" }
    }
}

/// Environment variables read when the extension loads.
enum ExtensionEnvironment {
    static func value(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }
}
