@preconcurrency import Glibc

/// Where kdsql keeps what it learned about a kernel build between runs
/// (`$XDG_CACHE_HOME/kdsql/KIND`, else `~/.cache/kdsql/KIND`), and how a
/// file there is written: whole or not at all. `KDSQL_NO_CACHE` turns it off.
enum LocalCache {
    /// The path of `name` in the cache directory for `kind`; nil when caching
    /// is off or there is no home directory.
    static func path(kind: String, name: String) -> String? {
        guard getenv("KDSQL_NO_CACHE") == nil else { return nil }
        let base: String
        if let xdg = getenv("XDG_CACHE_HOME"), xdg.pointee != 0 {
            base = String(cString: xdg)
        } else if let home = getenv("HOME") {
            base = String(cString: home) + "/.cache"
        } else {
            return nil
        }
        return base + "/kdsql/" + kind + "/" + name
    }

    /// A build id fit for a file name (hex digits only).
    static func isBuildID(_ id: String?) -> Bool {
        guard let id, !id.isEmpty else { return false }
        return id.allSatisfy(\.isHexDigit)
    }

    /// Writes through a temporary file renamed into place, creating the
    /// directory; `write` returns false when the file is incomplete.
    static func writeAtomically(_ path: String, mode: String, _ write: (UnsafeMutablePointer<FILE>) -> Bool) {
        guard let slash = path.lastIndex(of: "/") else { return }
        var partial = ""
        for component in path[..<slash].split(separator: "/") {
            partial += "/" + component
            mkdir(partial, 0o755)
        }
        let temporary = path + ".\(getpid()).tmp"
        guard let f = fopen(temporary, mode) else { return }
        let ok = write(f)
        fclose(f)
        if ok { rename(temporary, path) } else { unlink(temporary) }
    }
}
