import Testing
import FixtureSupport
@testable import KdsqlDump

@Suite struct FlattenedDumpFileTests {
    @Test func flattenedStreamReplaysToExactlyThePlainKdumpFile() throws {
        // makedumpfile -F and -c of one guest: `makedumpfile -R` of the stream
        // rebuilds the plain file, so the indexed stream must read as it.
        let flat = try FlattenedByteSource(file: MappedFile(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.flat")))
        let plain = try MappedFile(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        #expect(flat.complete)
        #expect(flat.size == plain.size)
        var buffer = [UInt8](repeating: 0, count: Int(flat.size))
        try buffer.withUnsafeMutableBytes { try flat.copy(at: 0, into: $0, what: "whole stream") }
        let same = buffer.withUnsafeBytes { b in try? plain.bytes(at: 0, count: Int(plain.size), what: "plain").elementsEqual(b) }
        #expect(same == true)
    }

    @Test func recordsAreIndexedInOffsetOrderWithoutOverlap() throws {
        let flat = try FlattenedByteSource(file: MappedFile(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.flat")))
        #expect(flat.records.count == flat.recordCount)
        #expect(flat.recordCount > 100)
        for (a, b) in zip(flat.records, flat.records.dropFirst()) { #expect(a.offset + a.size <= b.offset) }
    }

    @Test func overlappingRecordsResolveToTheOneWrittenLast() {
        typealias R = FlattenedByteSource.Record
        let written = [R(offset: 0, size: 100, position: 1000), R(offset: 40, size: 20, position: 5000), R(offset: 90, size: 30, position: 7000)]
        let resolved = FlattenedByteSource.resolve(written)
        #expect(resolved.map { [$0.offset, $0.size, $0.position] } == [
            [0, 40, 1000], [40, 20, 5000], [60, 30, 1060], [90, 30, 7000],
        ])
    }

    @Test func aStreamWithoutTheMakedumpfileTypeIsRejected() throws {
        let dir = TempDir()
        var bytes = [UInt8](repeating: 0, count: 8192)
        bytes.replaceSubrange(0..<12, with: Array("makedumpfile".utf8))
        bytes[23] = 7
        let path = dir.write("bad.flat", bytes)
        #expect(throws: DumpError.corrupt(what: "makedumpfile_header.type 7 (only 1, the flattened format, is known)", offset: 16)) {
            try DumpOpener.open(path: path)
        }
    }
}
