/// Random access to the bytes of a dump container, wherever they physically
/// live. A plain kdump file is read straight from its mmap (`MappedFile`); a
/// makedumpfile -F stream is read through its record index
/// (`FlattenedByteSource`) in place, so one kdump reader serves both.
public protocol ByteSource: AnyObject {
    /// Logical size of the wrapped file in bytes.
    var size: UInt64 { get }
    /// Bytes [offset, offset+count) in place when they are contiguous in
    /// memory, nil when the caller has to `copy` them (range split across
    /// records, or not present).
    func contiguousBytes(at offset: UInt64, count: Int) -> UnsafeRawBufferPointer?
    /// Copies bytes into `buffer`, or throws `DumpError.truncated` naming `what`.
    func copy(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer, what: String) throws
}

extension MappedFile: ByteSource {
    @inline(__always)
    public func contiguousBytes(at offset: UInt64, count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset, let base else { return nil }
        return UnsafeRawBufferPointer(start: base + Int(offset), count: count)
    }
}

extension ByteSource {
    /// Little-endian integer at `offset` of the logical file.
    @inline(__always)
    func littleEndian<T: FixedWidthInteger>(at offset: UInt64, as: T.Type = T.self, what: String) throws -> T {
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { try copy(at: offset, into: $0, what: what) }
        return T(littleEndian: value)
    }

    /// `count` bytes at `offset` as an array (headers and tables only, never per page).
    func array(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try copy(at: offset, into: $0, what: what) }
        return bytes
    }
}
