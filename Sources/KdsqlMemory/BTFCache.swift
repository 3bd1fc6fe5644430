@preconcurrency import Glibc

/// A local copy of a kernel build's BTF blob, keyed by VMCOREINFO BUILD-ID.
///
/// The blob (4 MiB for a distribution kernel) is the same for every dump of
/// one build, yet reading it out of a compressed dump costs ~70% of a fresh
/// process's work. The copy lives in `$XDG_CACHE_HOME/kdsql/btf` (default
/// `~/.cache/kdsql/btf`); `KDSQL_NO_CACHE=1` turns it off. It is never trusted
/// blindly: a copy is used only when its length matches the dump's
/// `__stop_BTF - __start_BTF` and its first and last pages equal the dump's,
/// re-read from the dump each time. Failing to read or write it is not an
/// error: kdsql then reads the dump as before. The dump itself is never written.
struct BTFCache {
    let path: String?

    init(buildID: String?, directory: String? = nil) {
        guard getenv("KDSQL_NO_CACHE") == nil, let buildID, !buildID.isEmpty,
              buildID.allSatisfy({ $0.isHexDigit }) else { path = nil; return }
        if let directory {
            path = directory + "/" + buildID + ".btf"
            return
        }
        var dir: String
        if let xdg = getenv("XDG_CACHE_HOME"), xdg.pointee != 0 {
            dir = String(cString: xdg)
        } else if let home = getenv("HOME") {
            dir = String(cString: home) + "/.cache"
        } else {
            path = nil
            return
        }
        dir += "/kdsql/btf"
        path = dir + "/" + buildID + ".btf"
    }

    /// The cached bytes, if the file exists with exactly `count` bytes.
    func load(count: Int) -> [UInt8]? {
        guard let path, let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, f) }
        // One byte more than expected means another blob: not ours.
        guard n == count, fgetc(f) == EOF else { return nil }
        return bytes
    }

    /// Writes the blob atomically (temporary file, then rename).
    func store(_ bytes: [UInt8]) {
        guard let path else { return }
        let dir = String(path[..<path.lastIndex(of: "/")!])
        var partial = ""
        for component in dir.split(separator: "/") {
            partial += "/" + component
            mkdir(partial, 0o755)
        }
        let temporary = path + ".\(getpid()).tmp"
        guard let f = fopen(temporary, "wb") else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        if written == bytes.count { rename(temporary, path) } else { unlink(temporary) }
    }
}
