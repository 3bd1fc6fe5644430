import Foundation
import Testing
import FixtureSupport
import KdsqlDebugInfo

/// `--modules-dir DIR`: module debug files for source lines of module code;
/// a directory that cannot be used is refused with exit status 2 and one
/// line, a file of another build is named in a warning when the dump opens.
@Suite struct ModulesDirOptionTests {
    static var dump: String { get throws { try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump") } }
    static var modules: String { get throws { try Fixtures.debugModulesDirectory(release: Fixtures.sysrqRelease) } }

    @Test func missingDirectoryExitsTwoWithOneLineNamingIt() throws {
        let result = try KdsqlBinary.run(["--modules-dir", "/nonexistent/kdsql-modules", try Self.dump, "-c", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderrLines == ["kdsql: cannot use modules directory /nonexistent/kdsql-modules: No such file or directory"])
        #expect(result.stdout.isEmpty)
    }

    @Test func aFileInsteadOfADirectoryExitsTwo() throws {
        let result = try KdsqlBinary.run(["--modules-dir", try Self.dump, try Self.dump, "-c", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("not a directory"))
    }

    @Test func modulesShowTheirDebugFiles() throws {
        let dir = try Self.modules
        let result = try KdsqlBinary.run(["--modules-dir", dir, try Self.dump, "-c",
                                          "SELECT name, debug_file FROM modules WHERE name IN ('dummy', 'virtio_net') ORDER BY name"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "name,debug_file\ndummy,\(dir)/kernel/drivers/net/dummy.ko\nvirtio_net,\(dir)/kernel/drivers/net/virtio_net.ko\n")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func aFileOfAnotherBuildIsAWarningAtOpen() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // dummy.ko with one bit of its build ID flipped.
        let original = try Self.modules + "/kernel/drivers/net/dummy.ko"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
        let hex = try #require(try ModuleDebugDirectory.read(original).get().buildID)
        let id = stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
        let at = try #require((0...(bytes.count - id.count)).first { bytes[$0..<$0 + id.count].elementsEqual(id) })
        bytes[at] ^= 1
        let flipped = ModuleDebugDirectory.hex([id[0] ^ 1] + id.dropFirst())
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/dummy.ko"))
        let result = try KdsqlBinary.run(["--modules-dir", dir, try Self.dump, "-c", "SELECT debug_file IS NULL FROM modules WHERE name = 'dummy'"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "debug_file IS NULL\n1\n")
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("\(dir)/dummy.ko is another build (build ID \(flipped), the loaded module's is \(hex)); not used"),
                "\(result.stderr)")
    }

    @Test func helpDescribesTheOption() throws {
        let result = try KdsqlBinary.run(["--help"])
        #expect(result.stdout.contains("--modules-dir <DIR>"))
    }
}
