import Foundation
import Testing
import FixtureSupport
import KdsqlDebugInfo
import KdsqlMemory
import KdsqlSQL

/// `--modules-dir`: the loaded modules' debug files (Debian's
/// linux-image-KVER-dbg, extracted by `make debug-vmlinux`), matched by name
/// and build ID, give module code its functions, inlined functions and
/// source lines, compared address by address with drgn's
/// (Tests/Fixtures/oracle/SET/drgn-module-lines.csv, drgn-module-lines.py).
@Suite struct ModuleDebugFilesTests {
    static let sets = Fixtures.setsWithDebugVmlinux

    static func modulesDirectory(_ set: String) throws -> String {
        try Fixtures.debugModulesDirectory(release: try Fixtures.kernelRelease(set))
    }

    static func open(_ set: String, modulesDirectory: String) throws -> (Kernel, KdsqlDatabase) {
        let kernel = try Kernel.open(path: try Fixtures.compressedDump(set), options: Kernel.Options(modulesDirectory: modulesDirectory))
        return (kernel, try KdsqlDatabase(context: ConnectionContext(kernel: kernel)))
    }

    /// A fresh directory under /tmp, removed by the caller.
    static func scratchDirectory() throws -> String {
        var template = Array("/tmp/kdsql-modules-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: made)
    }

    /// A copy of a module file whose build ID has one bit flipped: the same
    /// module, as if of another build.
    static func copyOfAnotherBuild(_ source: String, to destination: String) throws -> (original: String, copy: String) {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let file = try ModuleDebugDirectory.read(source).get()
        let id = try #require(file.buildID)
        let idBytes = stride(from: 0, to: id.count, by: 2).map { UInt8(id.dropFirst($0).prefix(2), radix: 16)! }
        let at = try #require((0...(bytes.count - idBytes.count)).first { bytes[$0..<$0 + idBytes.count].elementsEqual(idBytes) })
        bytes[at] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: destination))
        return (id, try #require(try ModuleDebugDirectory.read(destination).get().buildID))
    }

    @Test(arguments: sets)
    func everyLoadedModuleWithADebugFileIsMatchedByBuildID(set: String) throws {
        let dir = try Self.modulesDirectory(set)
        let (kernel, db) = try Self.open(set, modulesDirectory: dir)
        let index = try ModuleDebugDirectory(scanning: dir)
        let rows = try db.query("SELECT name, build_id, debug_file FROM modules")
        var matched = 0
        for row in rows {
            let name = try #require(row[0].string)
            let loadedID = try #require(row[1].string, "module \(name) has no build ID in memory")
            #expect(loadedID.count == 40)
            let files = index.candidates(for: name)
            if files.isEmpty {
                #expect(row[2].isNull, "\(name)")
                continue
            }
            // The package is the build that ran: its file must match.
            let file = try #require(files.first { $0.buildID == loadedID }, "\(name): \(files) vs \(loadedID)")
            #expect(row[2].string == file.path)
            matched += 1
        }
        #expect(matched >= 5, "\(matched) of \(rows.count) modules matched")
        #expect(!kernel.openWarnings.contains { $0.contains("another build") }, "\(kernel.openWarnings)")
    }

    @Test(arguments: sets)
    func moduleCodeResolvesToDrgnsFunctionsFilesAndLines(set: String) throws {
        let text = try Fixtures.text(Fixtures.packageRoot + "/Tests/Fixtures/oracle/\(set)/drgn-module-lines.csv")
        var expected: [String: [String]] = [:]
        var order: [String] = []
        for row in Fixtures.csv(text) {
            let address = try #require(row["address"])
            if expected[address] == nil { order.append(address) }
            expected[address, default: []].append("\(row["module"]!) \(row["function"]!) \(row["file"]!):\(row["line"]!)")
        }
        #expect(order.count > 500, "\(order.count) addresses in drgn's list")
        let (_, db) = try Self.open(set, modulesDirectory: try Self.modulesDirectory(set))
        var found: [String: [String]] = [:]
        for chunk in stride(from: 0, to: order.count, by: 500) {
            let values = order[chunk..<min(chunk + 500, order.count)].map { "(\($0))" }.joined(separator: ",")
            for row in try db.query("""
                WITH a(x) AS (VALUES \(values)) SELECT printf('0x%x', a.x), l.module, l.function, l.file, l.line
                FROM a, kd_addr2line(a.x) l ORDER BY a.x, l.depth
                """) {
                found[row[0].string!, default: []].append(
                    "\(row[1].string ?? "") \(row[2].string ?? "") \(row[3].string ?? ""):\(row[4].int64.map(String.init) ?? "")")
            }
        }
        let differing = order.filter { found[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(differing.count) of \(order.count) differ, first: \(differing.prefix(3).map { "\($0): drgn \(expected[$0]!) kdsql \(found[$0] ?? [])" })")
    }

    @Test func aFileOfAnotherBuildIsWarnedAboutAndNotUsed() throws {
        let real = try Self.modulesDirectory(Fixtures.sysrq)
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ids = try Self.copyOfAnotherBuild(real + "/kernel/drivers/net/dummy.ko", to: dir + "/dummy.ko")
        try FileManager.default.copyItem(atPath: real + "/kernel/net/core/failover.ko", toPath: dir + "/failover.ko")
        let (kernel, db) = try Self.open(Fixtures.sysrq, modulesDirectory: dir)
        let files = try db.query("SELECT name, debug_file FROM modules WHERE name IN ('dummy', 'failover') ORDER BY name")
        #expect(files.map { $0[1].string } == [nil, dir + "/failover.ko"])
        let warning = "module dummy: debug file \(dir)/dummy.ko is another build (build ID \(ids.copy), the loaded module's is \(ids.original)); not used"
        #expect(kernel.openWarnings.contains(warning), "\(kernel.openWarnings)")
        #expect(try db.query("SELECT count(*) FROM kdsql_warnings WHERE message = '\(warning.replacingOccurrences(of: "'", with: "''"))'")[0][0].int64 == 1)
        let lines = try db.query("SELECT count(*) FROM module_symbols m, kd_addr2line(m.address) WHERE m.module = 'dummy'")
        #expect(lines[0][0].int64 == 0)
    }

    @Test func unreadableAndCorruptModuleFilesAreSkippedWithAWarning() throws {
        let real = try Self.modulesDirectory(Fixtures.sysrq)
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dummy = try Data(contentsOf: URL(fileURLWithPath: real + "/kernel/drivers/net/dummy.ko"))
        try FileManager.default.createDirectory(atPath: dir + "/a/b", withIntermediateDirectories: true)
        try dummy.write(to: URL(fileURLWithPath: dir + "/a/b/dummy.ko"))
        try Data(dummy.prefix(100)).write(to: URL(fileURLWithPath: dir + "/truncated.ko"))
        try Data(repeating: 0x5a, count: 4096).write(to: URL(fileURLWithPath: dir + "/garbage.ko"))
        try Data("not a module".utf8).write(to: URL(fileURLWithPath: dir + "/a/virtio.ko.xz"))
        let (kernel, db) = try Self.open(Fixtures.sysrq, modulesDirectory: dir)
        #expect(try db.query("SELECT debug_file FROM modules WHERE name = 'dummy'")[0][0].string == dir + "/a/b/dummy.ko")
        let warnings = kernel.openWarnings
        #expect(warnings.contains { $0.contains("\(dir)/truncated.ko skipped") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("\(dir)/garbage.ko skipped") }, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("1 compressed module file (.ko.xz, .ko.zst, .ko.gz) under \(dir) skipped") }, "\(warnings)")
        let rows = try db.query("SELECT l.function, l.file FROM module_symbols m, kd_addr2line(m.address) l WHERE m.module = 'dummy' AND m.name = 'dummy_xmit'")
        #expect(rows.last.map { [$0[0].string, $0[1].string] } == ["dummy_xmit", "drivers/net/dummy.c"])
    }

    @Test func withoutModulesDirModuleFramesHaveNoLines() throws {
        let kernel = try Kernel.open(path: try Fixtures.compressedDump(Fixtures.sysrq))
        let db = try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
        let rows = try db.query("SELECT count(*), sum(l.function IS NOT NULL) FROM module_symbols m LEFT JOIN kd_addr2line(m.address) l WHERE m.module = 'dummy'")
        #expect((rows[0][0].int64 ?? 0) > 5)
        #expect(rows[0][1].int64 == 0)
        #expect(try db.query("SELECT count(*) FROM modules WHERE debug_file IS NOT NULL")[0][0].int64 == 0)
    }
}

/// The Oops sets make-dump generates keep the unstripped module that
/// crashed (`SET/module/kdsql_oops.ko`, built by make-dump); with it the
/// module's frames name the source line that wrote to NULL. (The shared 6.1
/// and 6.12 Oops sets predate that and do not carry the module.)
@Suite struct OopsModuleSourceLinesTests {
    static let generations = Fixtures.generations.filter { $0.hasOops && !["6.1", "6.12"].contains($0.series) }

    /// The line of the module's source that contains `text`.
    static func sourceLine(containing text: String) throws -> Int {
        let source = try Fixtures.text(Fixtures.packageRoot + "/Tests/Fixtures/guest/kdsql_oops/kdsql_oops.c")
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(text) }) + 1
    }

    @Test(arguments: generations)
    func theFaultingModuleFrameNamesTheLineThatWroteToNull(generation g: KernelGeneration) throws {
        let module = try Fixtures.path(g.oops, "module/kdsql_oops.ko")
        let kernel = try Kernel.open(path: try Fixtures.path(g.oops, g.dump), options: Kernel.Options(
            systemMapPath: try Fixtures.path(g.oops, g.systemMap), modulesDirectory: String(module.dropLast("/kdsql_oops.ko".count))))
        let db = try KdsqlDatabase(context: ConnectionContext(kernel: kernel))
        let rows = try db.query("""
            SELECT function, inlined, file, line FROM stack_frames WHERE module = 'kdsql_oops'
            AND pid = (SELECT pid FROM stack_frames WHERE function = 'kdsql_oops_write') ORDER BY frame
            """)
        let write = try Self.sourceLine(containing: "*(volatile int *)0 = 1;")
        let call = try Self.sourceLine(containing: "\tkdsql_oops_write();")
        #expect(rows.map { $0[0].string } == ["kdsql_oops_write", "kdsql_oops_init"])
        #expect(rows.map { $0[1].int64 } == [0, 0])
        #expect(rows.allSatisfy { $0[2].string?.hasSuffix("/kdsql_oops.c") == true }, "\(rows)")
        #expect(rows.map { $0[3].int64 } == [Int64(write), Int64(call)])
        #expect(try db.query("SELECT debug_file FROM modules WHERE name = 'kdsql_oops'")[0][0].string == module)
    }
}
