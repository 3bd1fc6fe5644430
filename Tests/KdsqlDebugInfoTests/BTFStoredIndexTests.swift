import Testing
import FixtureSupport
@testable import KdsqlDebugInfo

/// The BTF cache stores the parsed record offsets and name index after the
/// blob, so a warm start parses nothing: types found through the stored
/// index must be exactly the types a parse finds.
@Suite struct BTFStoredIndexTests {
    let kernel: FixtureKernel.Loaded
    init() throws { kernel = try FixtureKernel.get() }

    /// The blob and a stored index, in memory a test owns for as long as
    /// the BTFTypeInfo reads them in place (as the cache file's mapping is).
    final class Blob {
        let bytes: UnsafeMutableRawBufferPointer
        private var indexBytes: UnsafeMutableRawBufferPointer?
        init(_ source: [UInt8]) {
            bytes = .allocate(byteCount: source.count, alignment: 8)
            bytes.copyBytes(from: source)
        }
        deinit { bytes.deallocate(); indexBytes?.deallocate() }
        var view: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }
        /// Types over this blob through `index`, both kept here. The index
        /// starts at an odd address, as it may in a cache file after a blob
        /// of any length.
        func types(index: [UInt8]) throws -> BTFTypeInfo {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: index.count + 1, alignment: 8)
            indexBytes = copy
            let placed = UnsafeMutableRawBufferPointer(rebasing: copy[1...])
            placed.copyBytes(from: index)
            return try BTFTypeInfo(borrowing: view, owner: self, index: UnsafeRawBufferPointer(placed))
        }
    }

    @Test func typesFoundThroughTheStoredIndexAreTheTypesAParseFinds() throws {
        let parsed = kernel.btf
        let blob = Blob(kernel.btfBytes)
        let index = parsed.persistentIndex()
        let stored = try blob.types(index: index)
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
            try shorter.types(index: index)
        }
    }

    @Test func aDamagedIndexIsRefusedNotFollowed() throws {
        var index = kernel.btf.persistentIndex()
        let blob = Blob(kernel.btfBytes)
        // The first stored offset (type #1) pointed past the blob.
        let at = 8 + 7 * 4 + 4
        for k in 0..<4 { index[at + k] = 0xff }
        #expect(throws: DebugInfoError.self) {
            try blob.types(index: index)
        }
    }

    @Test func anIndexWhoseNameTableHasNoFreeSlotIsRefused() throws {
        let index = kernel.btf.persistentIndex()
        let blob = Blob(kernel.btfBytes)
        func u32(_ at: Int) -> Int { index[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | Int($1) } }
        let count = u32(12), capacity = u32(24)
        // Every empty slot filled with type #1: a lookup of a missing name
        // would then probe for ever.
        var full = index
        let slots = 8 + 7 * 4 + 4 * count
        var filled = 0
        for i in 0..<capacity where u32(slots + 4 * i) == 0 {
            full[slots + 4 * i] = 2
            filled += 1
        }
        #expect(filled > 0)
        #expect(throws: DebugInfoError.self) { try blob.types(index: full) }
    }
}
