/// Random access to the dumped machine's physical memory.
///
/// Every dump format implements this; everything above layer 1 reads memory
/// only through it. A read that touches a page the dump does not contain throws
/// `DumpError.pageExcluded` (never silent zeros); pages that makedumpfile
/// recorded as zero pages read as zeros.
public protocol PhysicalMemory: AnyObject {
    /// Copies `buffer.count` bytes starting at `address` into `buffer`.
    /// Reads may cross page boundaries.
    func read(physical address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws
}

extension PhysicalMemory {
    /// Reads `count` bytes at physical `address`.
    public func read(physical address: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(physical: address, into: $0) }
        return bytes
    }

    /// Reads a little-endian integer at physical `address`.
    public func readInteger<T: FixedWidthInteger>(physical address: UInt64, as: T.Type = T.self) throws -> T {
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { try read(physical: address, into: $0) }
        return T(littleEndian: value)
    }
}
