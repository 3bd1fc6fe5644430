#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import FixtureSupport

/// Damaged copies of fixture dumps, made in a fresh temporary directory
/// (the fixtures themselves are only ever read).
struct DamagedCopies: ~Copyable {
    let directory: String

    init() {
        var template = Array("/tmp/kdsql-damaged-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = p.map { String(cString: $0) } ?? "/tmp"
    }

    deinit {
        if let dir = opendir(directory) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(directory + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(directory)
    }

    struct CannotRead: Error { let path: String }

    static func readAll(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "r") else { throw DamagedCopies.CannotRead(path: path) }
        defer { fclose(f) }
        fseek(f, 0, SEEK_END)
        let size = ftell(f)
        fseek(f, 0, SEEK_SET)
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, f) }
        return bytes
    }

    func write(_ name: String, _ bytes: ArraySlice<UInt8>) -> String {
        let path = directory + "/" + name
        let f = fopen(path, "w")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        return path
    }

    func write(_ name: String, _ bytes: [UInt8]) -> String { write(name, bytes[...]) }

    /// Replaces every occurrence of `old` by `new` (same length) in the first
    /// `within` bytes (where the headers and notes are); returns how many.
    @discardableResult
    static func replace(_ old: String, with new: String, in bytes: inout [UInt8], within: Int = 1 << 20) -> Int {
        let o = Array(old.utf8), n = Array(new.utf8)
        precondition(o.count == n.count)
        var hits = 0
        var i = 0
        let end = min(bytes.count, within) - o.count
        while i <= end {
            if bytes[i] == o[0], Array(bytes[i..<(i + o.count)]) == o {
                for k in 0..<n.count { bytes[i + k] = n[k] }
                hits += 1
                i += o.count
            } else {
                i += 1
            }
        }
        return hits
    }
}
