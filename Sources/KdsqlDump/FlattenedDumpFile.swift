#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// makedumpfile's flattened format (`makedumpfile -F`, and QEMU's kdump-*
/// output): a stream that can be written to a pipe. Layout (makedumpfile.h):
///
///     struct makedumpfile_header { char signature[16] = "makedumpfile";
///                                  int64_t type = 1; int64_t version = 1; }
///     padded to MAX_SIZE_MDF_HEADER (4096 bytes), then records
///     struct makedumpfile_data_header { int64_t offset; int64_t buf_size; }
///     followed by buf_size bytes that belong at `offset` of the kdump file,
///     until offset = buf_size = -1 (END_FLAG_FLAT_HEADER).
///
/// All header integers are BIG-endian. `makedumpfile -R` would replay the
/// records into a plain kdump file; here they are indexed once at open and
/// the kdump is read in place through the index.
final class FlattenedByteSource: ByteSource {
    /// Bytes [offset, offset+size) of the kdump are at `position` of the stream.
    struct Record {
        var offset: UInt64
        var size: UInt64
        var position: UInt64
    }

    static let headerSize: UInt64 = 4096
    let file: MappedFile
    /// Sorted by offset, non-overlapping.
    let records: [Record]
    /// Records as written (before overlap resolution).
    let recordCount: Int
    /// One past the highest kdump offset any record writes.
    let size: UInt64
    /// False when the stream ends without END_FLAG (cut short): gaps between
    /// records then are missing data, not the zeros of a sparse file.
    let complete: Bool

    init(file: MappedFile) throws {
        self.file = file
        func be64(_ at: UInt64, _ what: String) throws -> Int64 {
            Int64(bigEndian: try file.integer(at: at, as: Int64.self, what: what))
        }
        let signature = try file.bytes(at: 0, count: 16, what: "makedumpfile flattened header")
        guard signature.starts(with: Array("makedumpfile".utf8)) else {
            throw DumpError.notADump(path: file.path, found: "no makedumpfile signature")
        }
        guard file.size >= 32 else {
            throw DumpError.truncated(what: "makedumpfile flattened header", offset: 0, fileSize: file.size)
        }
        let type = try be64(16, "makedumpfile_header.type")
        let version = try be64(24, "makedumpfile_header.version")
        guard type == 1 else {
            throw DumpError.corrupt(what: "makedumpfile_header.type \(type) (only 1, the flattened format, is known)", offset: 16)
        }
        guard version >= 1 && version < 0x100 else {
            throw DumpError.corrupt(what: "makedumpfile_header.version \(version)", offset: 24)
        }
        var written: [Record] = []
        var pos = FlattenedByteSource.headerSize
        var complete = false
        // Record headers are read with pread, not through the map: touching
        // one header per ~32 KiB through the mmap faults in (fault-around) the
        // whole stream and costs its size in RSS before any page is read.
        var pair: (UInt64, UInt64) = (0, 0)
        while pos + 16 <= file.size {
            let got = withUnsafeMutableBytes(of: &pair) { pread(file.fd, $0.baseAddress, 16, off_t(pos)) }
            guard got == 16 else {
                throw DumpError.truncated(what: "flattened data header", offset: pos, fileSize: file.size)
            }
            let offset = Int64(bitPattern: UInt64(bigEndian: pair.0))
            let size = Int64(bitPattern: UInt64(bigEndian: pair.1))
            if offset == -1 && size == -1 {
                complete = true
                break
            }
            guard offset >= 0, size >= 0, offset <= Int64.max - size else {
                throw DumpError.corrupt(what: "flattened data header (offset \(offset), size \(size))", offset: pos)
            }
            let data = pos + 16
            // A record cut by the end of the file keeps what survives.
            let have = min(UInt64(size), file.size - data)
            if have > 0 { written.append(Record(offset: UInt64(offset), size: have, position: data)) }
            if have < UInt64(size) { break }
            pos = data + UInt64(size)
        }
        guard !written.isEmpty else {
            throw DumpError.truncated(what: "flattened data records", offset: FlattenedByteSource.headerSize, fileSize: file.size)
        }
        recordCount = written.count
        records = FlattenedByteSource.resolve(written)
        size = records.map { $0.offset + $0.size }.max() ?? 0
        self.complete = complete
    }

    /// Sorts records by offset; where records overlap, the one written later
    /// wins (as when `makedumpfile -R` replays them with lseek+write).
    static func resolve(_ written: [Record]) -> [Record] {
        let sorted = written.sorted { $0.offset < $1.offset }
        var overlaps = false
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.size > b.offset { overlaps = true; break }
        if !overlaps { return sorted }
        // Rare (no makedumpfile output seen does it): replay in write order.
        var out: [Record] = []
        for r in written {
            let rEnd = r.offset + r.size
            var kept: [Record] = []
            for old in out {
                let oEnd = old.offset + old.size
                if oEnd <= r.offset || old.offset >= rEnd { kept.append(old); continue }
                if old.offset < r.offset {
                    kept.append(Record(offset: old.offset, size: r.offset - old.offset, position: old.position))
                }
                if oEnd > rEnd {
                    kept.append(Record(offset: rEnd, size: oEnd - rEnd, position: old.position + (rEnd - old.offset)))
                }
            }
            kept.append(r)
            out = kept
        }
        return out.sorted { $0.offset < $1.offset }
    }

    /// Index of the last record starting at or before `offset`, or -1.
    @inline(__always)
    private func recordIndex(_ offset: UInt64) -> Int {
        var lo = 0, hi = records.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if records[mid].offset <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }

    func contiguousBytes(at offset: UInt64, count: Int) -> UnsafeRawBufferPointer? {
        let i = recordIndex(offset)
        guard i >= 0, count >= 0 else { return nil }
        let r = records[i]
        let within = offset - r.offset
        guard within <= r.size, UInt64(count) <= r.size - within else { return nil }
        return file.contiguousBytes(at: r.position + within, count: count)
    }

    func copy(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer, what: String) throws {
        guard let dst = buffer.baseAddress else { return }
        guard offset <= size, UInt64(buffer.count) <= size - offset else {
            throw DumpError.truncated(what: what + " (in the flattened stream)", offset: offset, fileSize: file.size)
        }
        var done = 0
        var i = recordIndex(offset)
        while done < buffer.count {
            let at = offset + UInt64(done)
            while i + 1 < records.count && records[i + 1].offset <= at { i += 1 }
            let r = i >= 0 ? records[i] : nil
            if let r, at < r.offset + r.size {
                let n = Int(min(UInt64(buffer.count - done), r.offset + r.size - at))
                try file.copy(at: r.position + (at - r.offset), into: UnsafeMutableRawBufferPointer(start: dst + done, count: n), what: what)
                done += n
            } else {
                // A gap: zeros, like the holes of the sparse file -R would write,
                // unless the stream was cut and the gap may be lost data.
                guard complete else {
                    throw DumpError.truncated(what: what + " (missing from the cut flattened stream)", offset: at, fileSize: file.size)
                }
                let gapEnd = i + 1 < records.count ? records[i + 1].offset : size
                let n = Int(min(UInt64(buffer.count - done), gapEnd - at))
                (dst + done).initializeMemory(as: UInt8.self, repeating: 0, count: n)
                done += n
            }
        }
    }
}

extension KdumpCompressedFile {
    /// Opens a makedumpfile -F stream in place.
    public convenience init(flattened file: MappedFile, cacheBytes: Int = 64 << 20,
                            zlibBackend: ZlibBackend = .default) throws {
        let source = try FlattenedByteSource(file: file)
        try self.init(source: source, path: file.path, cacheBytes: cacheBytes, flattenedRecords: source.recordCount,
                      zlibBackend: zlibBackend)
    }
}
