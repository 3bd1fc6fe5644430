#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import FixtureSupport

/// Scratch files for error tests (never the fixtures themselves: dumps are
/// only ever read).
struct TempDir: ~Copyable {
    let path: String

    init() {
        var template = Array("/tmp/kdsql-dump-tests-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = p.map { String(cString: $0) } ?? "/tmp"
    }

    deinit {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }

    /// Writes `bytes` to a new file in the directory and returns its path.
    func write(_ name: String, _ bytes: UnsafeRawBufferPointer) -> String {
        let file = path + "/" + name
        let f = fopen(file, "w")!
        if bytes.count > 0 { fwrite(bytes.baseAddress, 1, bytes.count, f) }
        fclose(f)
        return file
    }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { write(name, $0) }
    }
}
