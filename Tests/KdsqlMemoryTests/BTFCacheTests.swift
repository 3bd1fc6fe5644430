#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
import KdsqlDebugInfo
import KdsqlDump
@testable import KdsqlMemory

/// The local BTF copy saves re-inflating 4 MiB per run, but must never change
/// an answer: a copy that does not match the dump is ignored and replaced.
@Suite struct BTFCacheTests {
    static func freshDirectory() -> String {
        var template = Array("/tmp/kdsql-btf-cache-XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    static func open(_ dir: String) throws -> Kernel {
        try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"),
                        options: .init(typeSource: .btf, btfCacheDirectory: dir))  // BTF even under KDSQL_TYPES=dwarf
    }

    static func files(_ dir: String) -> [String] {
        var out: [String] = []
        if let d = opendir(dir) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasSuffix(".btf") { out.append(name) }
            }
            closedir(d)
        }
        return out
    }

    /// A damaged dump of the same build used to write its BTF into the cache,
    /// which the clean dump then trusted (only the first and last pages were
    /// compared). The copy is now keyed by a hash of all the dump's stored BTF
    /// bytes.
    @Test func aDamagedDumpOfTheSameBuildNeverPoisonsTheCache() throws {
        let dir = Self.freshDirectory()
        let clean = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")
        let kernel = try Kernel.open(path: clean)
        let elf = try #require(kernel.dump as? ElfVmcore)
        let btfMiddle = try kernel.address(of: "__start_BTF") + 1_000_000
        let at = Int(try #require(elf.fileOffset(physical: try kernel.translate(btfMiddle))))
        var bytes = try DamagedCopies.readAll(clean)
        for k in 0..<64 { bytes[at + k] ^= 0xff }
        let copies = DamagedCopies()
        let damaged = try Kernel.open(path: copies.write("damaged.elf", bytes), options: .init(btfCacheDirectory: dir))
        let damagedBlob = try damaged.read(try damaged.address(of: "__start_BTF"), count: 2_000_000)
        _ = try? damaged.types()
        #expect(!damaged.typesFromCache)
        let again = try Kernel.open(path: clean, options: .init(btfCacheDirectory: dir))
        _ = try again.types()
        #expect(!again.typesFromCache)
        let cleanBlob = try again.read(try again.address(of: "__start_BTF"), count: 2_000_000)
        #expect(damagedBlob != cleanBlob)
        // The clean dump's own copy is used next time.
        let third = try Kernel.open(path: clean, options: .init(btfCacheDirectory: dir))
        _ = try third.types()
        #expect(third.typesFromCache)
    }

    @Test func secondOpenUsesTheVerifiedCopyAndAgrees() throws {
        let dir = Self.freshDirectory()
        let first = try Self.open(dir)
        let size1 = try first.size(of: "struct task_struct")
        #expect(!first.typesFromCache)
        let second = try Self.open(dir)
        #expect(try second.size(of: "struct task_struct") == size1)
        #expect(second.typesFromCache)
    }

    @Test func aCorruptedCopyIsIgnoredAndReplaced() throws {
        let dir = Self.freshDirectory()
        _ = try Self.open(dir).types()
        let buildID = try #require(try Self.open(dir).vmcoreinfo.buildID)
        let path = try #require(Self.files(dir).first { $0.hasPrefix(buildID) }).map { dir + "/" + $0 }!
        // Same length, first page damaged.
        let f = try #require(fopen(path, "r+b"))
        fseek(f, 100, SEEK_SET)
        fputs("garbage garbage garbage", f)
        fclose(f)
        let kernel = try Self.open(dir)
        let types = try kernel.types()
        #expect(!kernel.typesFromCache)
        #expect(types.findType(named: "task_struct", kind: .structure) != nil)
        // ...and the next run finds a good copy again.
        let again = try Self.open(dir)
        _ = try again.types()
        #expect(again.typesFromCache)
    }

    /// Writes an old-looking stand-in copy (`age` seconds old) of `size` bytes.
    static func oldCopy(_ dir: String, _ name: String, size: Int, age: Int) {
        let path = dir + "/" + name
        let f = fopen(path, "wb")!
        fwrite([UInt8](repeating: 1, count: size), 1, size, f)
        fclose(f)
        let then = time(nil) - age
        var times = [timeval(tv_sec: then, tv_usec: 0), timeval(tv_sec: then, tv_usec: 0)]
        utimes(path, &times)
    }

    /// Every new build (and every damaged copy of one) used to add a file for
    /// ever; writing a copy now drops all but the most recently used ones.
    @Test func writingACopyKeepsOnlyTheMostRecentlyUsedOnes() throws {
        let dir = Self.freshDirectory()
        for k in 0..<(BTFCache.keep + 4) { Self.oldCopy(dir, "\(k)0000-\(k).btf", size: 100, age: 1000 + k) }
        let kernel = try Self.open(dir)
        _ = try kernel.types()
        let buildID = try #require(kernel.vmcoreinfo.buildID)
        let left = Self.files(dir)
        #expect(left.count == BTFCache.keep)
        #expect(left.contains { $0.hasPrefix(buildID) })
        // The youngest stand-ins stayed, the oldest went.
        #expect(left.contains("00000-0.btf"))
        #expect(!left.contains("\(BTFCache.keep + 3)0000-\(BTFCache.keep + 3).btf"))
    }

    @Test func pruningDropsTheOldestBeyondTheSizeCapButNeverTheNewest() throws {
        let dir = Self.freshDirectory()
        Self.oldCopy(dir, "aa.btf", size: 4000, age: 10)
        Self.oldCopy(dir, "bb.btf", size: 4000, age: 20)
        Self.oldCopy(dir, "cc.btf", size: 4000, age: 30)
        Self.oldCopy(dir, "dd.layout", size: 4000, age: 40)
        LocalCache.prune(directory: dir, suffix: ".btf", keep: 10, maxBytes: 9000)
        #expect(Set(Self.files(dir)) == ["aa.btf", "bb.btf"])
        LocalCache.prune(directory: dir, suffix: ".btf", keep: 10, maxBytes: 100)
        #expect(Self.files(dir) == ["aa.btf"])
        #expect(access(dir + "/dd.layout", F_OK) == 0)
    }

    @Test func aCacheHitMakesItsCopyTheMostRecentlyUsed() throws {
        let dir = Self.freshDirectory()
        _ = try Self.open(dir).types()
        let name = try #require(Self.files(dir).first)
        var times = [timeval(tv_sec: 1000, tv_usec: 0), timeval(tv_sec: 1000, tv_usec: 0)]
        utimes(dir + "/" + name, &times)
        let again = try Self.open(dir)
        _ = try again.types()
        #expect(again.typesFromCache)
        var st = stat()
        stat(dir + "/" + name, &st)
        #expect(st.st_mtim.tv_sec > 1000)
    }
}
