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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DumpError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw DumpError.cannotOpen(path: path, reason: reason)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw DumpError.cannotOpen(path: path, reason: "is a directory")
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

    deinit {
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
