#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import FixtureSupport

/// Sorted names of the `.kdt` files in a directory.
func kdtFiles(in path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw DirectoryMissing(path: path) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasSuffix(".kdt") { names.append(name) }
    }
    return names.sorted()
}

/// A directory or truth entry a test needs is not there (the test fails).
struct DirectoryMissing: Error, CustomStringConvertible {
    var path: String
    var description: String { "not found: \(path)" }
}
