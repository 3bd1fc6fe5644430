#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
import KdsqlDebugInfo
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
        let path = dir + "/" + buildID + ".btf"
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
}
