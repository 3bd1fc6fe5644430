#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A read-only memory map of a whole file. Dumps are read in place: nothing is
/// copied until a caller asks for bytes, and the kernel's page cache does the
/// caching for uncompressed data. kdsql never writes to a dump (PROT_READ).
public final class MappedFile {
    public let path: String
    public let size: UInt64
    public let fd: Int32
    public let base: UnsafeRawPointer?

    public init(path: String) throws {
        self.path = path
        // Only a regular file can be a dump. open(2) of a FIFO blocks until a
        // writer appears, so the kind is checked first (stat), and the open is
        // non-blocking in case the path changes in between.
        var pre = stat()
        if stat(path, &pre) == 0, let kind = MappedFile.nonRegularKind(pre.st_mode) {
            throw DumpError.cannotOpen(path: path, reason: "is \(kind), not a regular file; give the dump file itself")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw DumpError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw DumpError.cannotOpen(path: path, reason: reason)
        }
        if let kind = MappedFile.nonRegularKind(st.st_mode) {
            close(fd)
            throw DumpError.cannotOpen(path: path, reason: "is \(kind), not a regular file; give the dump file itself")
        }
        self.fd = fd
        self.size = UInt64(st.st_size)
        if st.st_size > 0 {
            let p = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw DumpError.cannotOpen(path: path, reason: "mmap failed: \(reason)")
            }
            self.base = UnsafeRawPointer(p)
        } else {
            self.base = nil
        }
    }

    /// The bytes of a dump held in memory (fuzzing, tests): the same reader
    /// code runs on them without a file. `path` only names them in messages.
    public init(copying bytes: [UInt8], path: String) {
        self.path = path
        self.fd = -1
        self.size = UInt64(bytes.count)
        if bytes.isEmpty {
            base = nil
        } else {
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            base = UnsafeRawPointer(p)
        }
    }

    /// What a non-regular file is, in words; nil for a regular file.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a regular file"
        }
    }

    deinit {
        if fd < 0 {
            base.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
            return
        }
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), Int(size)) }
        close(fd)
    }

    /// Bytes [offset, offset+count) of the file, or a `truncated` error naming `what`.
    @inline(__always)
    public func bytes(at offset: UInt64, count: Int, what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset, let base else {
            throw DumpError.truncated(what: what, offset: offset, fileSize: size)
        }
        return UnsafeRawBufferPointer(start: base + Int(offset), count: count)
    }

    /// Little-endian integer at `offset`.
    @inline(__always)
    public func integer<T: FixedWidthInteger>(at offset: UInt64, as: T.Type = T.self, what: String) throws -> T {
        let raw = try bytes(at: offset, count: MemoryLayout<T>.size, what: what)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    /// Copies bytes into `buffer`.
    @inline(__always)
    public func copy(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer, what: String) throws {
        let src = try bytes(at: offset, count: buffer.count, what: what)
        if let d = buffer.baseAddress, let s = src.baseAddress { d.copyMemory(from: s, byteCount: src.count) }
    }
}
