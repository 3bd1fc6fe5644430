import Foundation
import Testing
import FixtureSupport

/// `-k/--vmlinux`, crash's `kdsql VMLINUX DUMP` order and `--types`: the
/// debug vmlinux of the 6.1 fixtures answers like the dump alone, and a
/// vmlinux that cannot be used is refused with exit status 2 and one line.
@Suite struct VmlinuxOptionTests {
    static let seed = "SELECT count(*) FROM tasks WHERE comm = 'bash'"
    static var dump: String { get throws { try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump") } }
    static var vmlinux: String { get throws { try Fixtures.debugVmlinux(release: Fixtures.sysrqRelease) } }

    @Test func dashKAnswersTheSeedQueryLikeTheDumpAlone() throws {
        let alone = try KdsqlBinary.run([try Self.dump, "-c", Self.seed])
        let withVmlinux = try KdsqlBinary.run(["-k", try Self.vmlinux, try Self.dump, "-c", Self.seed])
        #expect(withVmlinux.status == 0, "\(withVmlinux.stderr)")
        #expect(withVmlinux.stdout == alone.stdout)
        #expect(alone.stdout.hasPrefix("count(*)\n4"))
    }

    @Test func crashOrderVmlinuxThenDumpThenSQL() throws {
        let crashOrder = try KdsqlBinary.run([try Self.vmlinux, try Self.dump, Self.seed])
        let dashK = try KdsqlBinary.run(["-k", try Self.vmlinux, try Self.dump, Self.seed])
        #expect(crashOrder.status == 0, "\(crashOrder.stderr)")
        #expect(crashOrder.stdout == dashK.stdout)
    }

    @Test func typesBTFWithVmlinuxGivesTheSameTasks() throws {
        let sql = "SELECT pid, comm, state FROM tasks ORDER BY pid"
        let dwarf = try KdsqlBinary.run(["-k", try Self.vmlinux, "--types", "dwarf", try Self.dump, "-c", sql])
        let btf = try KdsqlBinary.run(["-k", try Self.vmlinux, "--types", "btf", try Self.dump, "-c", sql])
        #expect(dwarf.status == 0 && btf.status == 0, "\(dwarf.stderr) \(btf.stderr)")
        #expect(dwarf.stdout == btf.stdout)
        #expect(dwarf.stdout.split(separator: "\n").count > 140)
    }

    @Test func vmlinuxOfAnotherBuildIsRefusedWithExitTwoNamingTheFile() throws {
        let other = try Fixtures.path("linux-6.12-cloud-amd64", "vmcore-mdf-d23-zlib.kdump")
        let result = try KdsqlBinary.run(["-k", try Self.vmlinux, other, "-c", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(try Self.vmlinux))
        #expect(result.stderr.contains("build ID"))
    }

    @Test func vmlinuxWithoutDebugInfoNamesTheDbgPackage() throws {
        // The smallest x86-64 ELF executable: a 64-byte header, no sections.
        var header = [UInt8](repeating: 0, count: 64)
        header[0..<7] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]
        header[16] = 2; header[18] = 62; header[20] = 1; header[52] = 64
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stripped = dir + "/vmlinux"
        FileManager.default.createFile(atPath: stripped, contents: Data(header))
        let result = try KdsqlBinary.run(["-k", stripped, try Self.dump, "-c", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("linux-image-6.1.0-56-cloud-amd64-dbg"))
        #expect(result.stderr.contains(stripped))
    }

    @Test func missingVmlinuxIsExitTwo() throws {
        let result = try KdsqlBinary.run(["-k", "/nonexistent/vmlinux", try Self.dump, "-c", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/vmlinux"))
    }

    @Test func stackFramesGetSourceLinesWithVmlinux() throws {
        let sql = "SELECT function, inlined, file, line FROM stack_frames WHERE pid = 1 ORDER BY frame LIMIT 3"
        let result = try KdsqlBinary.run([try Self.vmlinux, try Self.dump, sql])
        // drgn's first three frames of pid 1 (Tests/Fixtures/oracle).
        let oracle = try Fixtures.text(packageRoot + "/Tests/Fixtures/oracle/\(Fixtures.sysrq)/drgn-stack-frames.csv")
        let expected = Fixtures.csv(oracle).filter { $0["pid"] == "1" }.prefix(3)
            .map { "\($0["function"]!),\($0["inlined"]!),\($0["file"]!),\($0["line"]!)\n" }.joined()
        #expect(result.stdout == "function,inlined,file,line\n" + expected)
        #expect(expected.contains(",1,"))
    }
}
