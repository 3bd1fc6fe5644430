import Testing
import FixtureSupport
@testable import KdsqlDebugInfo

/// The BTF cache stores the parsed record offsets and name index after the
/// blob, so a warm start parses nothing: types found through the stored
/// index must be exactly the types a parse finds.
@Suite struct BTFStoredIndexTests {
    let kernel: FixtureKernel.Loaded
    init() throws { kernel = try FixtureKernel.get() }

    /// The blob, in memory a test owns, with a stored index loaded over it.
    final class Blob {
        let bytes: UnsafeMutableRawBufferPointer
        init(_ source: [UInt8]) {
            bytes = .allocate(byteCount: source.count, alignment: 8)
            bytes.copyBytes(from: source)
        }
        deinit { bytes.deallocate() }
        var view: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }
    }

    @Test func typesFoundThroughTheStoredIndexAreTheTypesAParseFinds() throws {
        let parsed = kernel.btf
        let blob = Blob(kernel.btfBytes)
        let index = parsed.persistentIndex()
        let stored = try index.withUnsafeBytes { try BTFTypeInfo(borrowing: blob.view, owner: blob, index: $0) }
        #expect(stored.typeCount == parsed.typeCount)
        #expect(parsed.typeCount > 50_000)
        var compared = 0
        for name in ["task_struct", "mm_struct", "file", "dentry", "maple_node", "list_head", "pid_t", "u64", "int", "pid_type"] {
            let a = parsed.findType(named: name, kind: .any), b = stored.findType(named: name, kind: .any)
            #expect(a != nil && a == b, "\(name)")
            if let a { #expect(parsed.size(of: a) == stored.size(of: a)); compared += 1 }
        }
        #expect(compared == 10)
        // Every record reads the same through either.
        for raw in stride(from: 1, through: parsed.typeCount, by: 97) {
            let id = TypeID(UInt32(raw))
            #expect(parsed.summary(of: id) == stored.summary(of: id), "type #\(raw)")
        }
    }

    @Test func anIndexMadeForAnotherBlobIsRefused() throws {
        let index = kernel.btf.persistentIndex()
        let shorter = Blob(Array(kernel.btfBytes.dropLast(4096)))
        #expect(throws: DebugInfoError.self) {
            try index.withUnsafeBytes { try BTFTypeInfo(borrowing: shorter.view, owner: shorter, index: $0) }
        }
    }

    @Test func aDamagedIndexIsRefusedNotFollowed() throws {
        var index = kernel.btf.persistentIndex()
        let blob = Blob(kernel.btfBytes)
        // The first stored offset (type #1) pointed past the blob.
        let at = 8 + 7 * 4 + 4
        for k in 0..<4 { index[at + k] = 0xff }
        #expect(throws: DebugInfoError.self) {
            try index.withUnsafeBytes { try BTFTypeInfo(borrowing: blob.view, owner: blob, index: $0) }
        }
    }
}
