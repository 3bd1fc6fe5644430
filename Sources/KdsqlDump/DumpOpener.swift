/// Opens a dump file of any supported format, recognising it by its content
/// (never by its name).
public enum DumpOpener {
    /// - Parameter cacheBytes: bound of the decompressed-page cache for
    ///   compressed formats (`--cache-mb`).
    public static func open(path: String, cacheBytes: Int = 64 << 20) throws -> any DumpFile {
        try open(file: try MappedFile(path: path), cacheBytes: cacheBytes)
    }

    /// The same over a file already mapped (or bytes held in memory).
    public static func open(file: MappedFile, cacheBytes: Int = 64 << 20) throws -> any DumpFile {
        let path = file.path
        guard file.size >= 16, let head = try? file.bytes(at: 0, count: 16, what: "file signature") else {
            throw DumpError.notADump(path: path, found: "file of \(file.size) bytes, too short to be a dump")
        }
        if head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) {
            return try ElfVmcore(file: file)
        }
        if head.starts(with: Array("KDUMP   ".utf8)) {
            return try KdumpCompressedFile(source: file, path: path, cacheBytes: cacheBytes)
        }
        if head.starts(with: Array("makedumpfile".utf8)) {
            return try KdumpCompressedFile(flattened: file, cacheBytes: cacheBytes)
        }
        if head.starts(with: Array("DISKDUMP".utf8)) {
            throw DumpError.notADump(path: path, found: "old-style diskdump (DISKDUMP signature) is not supported")
        }
        throw DumpError.notADump(path: path, found: "unknown format (first bytes \(head.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")))")
    }
}
