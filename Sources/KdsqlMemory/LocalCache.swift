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

    /// Bounds a cache directory: keeps the `keep` most recently used files
    /// ending in `suffix` (by mtime; a hit refreshes it, see `touch`) and
    /// drops older ones until the rest fit in `maxBytes`. Every dump of a
    /// new build, and every damaged copy of one (whose fingerprint differs),
    /// adds a file of several MiB; without a bound they pile up for ever.
    /// Temporaries (`.tmp`) left by a killed writer are dropped after an hour.
    static func prune(directory: String, suffix: String, keep: Int, maxBytes: Int64) {
        guard let d = opendir(directory) else { return }
        var files: [(path: String, mtime: Int, size: Int64)] = []
        let now = time(nil)
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let path = directory + "/" + name
            var st = stat()
            guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            if name.hasSuffix(".tmp"), now - st.st_mtim.tv_sec > 3600 { unlink(path); continue }
            if name.hasSuffix(suffix) { files.append((path, st.st_mtim.tv_sec, Int64(st.st_size))) }
        }
        closedir(d)
        // Newest first; ties by name so that the order is stable.
        files.sort { $0.mtime != $1.mtime ? $0.mtime > $1.mtime : $0.path < $1.path }
        var total: Int64 = 0
        for (i, f) in files.enumerated() {
            total += f.size
            if i >= keep || (i > 0 && total > maxBytes) { unlink(f.path) }
        }
    }

    /// Marks a cache file as just used, so that `prune` keeps it longest.
    static func touch(_ path: String) { utimes(path, nil) }

    /// The directory part of `path`.
    static func directory(of path: String) -> String? {
        path.lastIndex(of: "/").map { String(path[..<$0]) }
    }
}
