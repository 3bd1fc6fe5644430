#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
import KdsqlDebugInfo
import KdsqlKernel
@testable import KdsqlMemory

/// Every dump format of the sysrq fixture, opened with the dump alone
/// (kallsyms from memory) and again with the System.map, must describe the
/// same machine as the guest's own truth files.
@Suite struct EveryFormatTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var withSystemMap: Bool
        var testDescription: String { "\(file)\(withSystemMap ? " + System.map" : "")" }
    }

    static let cases = Fixtures.sysrqDumps.flatMap { [Case(file: $0, withSystemMap: false), Case(file: $0, withSystemMap: true)] }

    static func open(_ c: Case) throws -> Kernel {
        let map = c.withSystemMap ? try Fixtures.path(Fixtures.sysrq, Fixtures.systemMap) : nil
        return try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, c.file), options: .init(systemMapPath: map))
    }

    @Test(arguments: cases)
    func identityCpusAndMemoryMatchTruth(_ c: Case) throws {
        let kernel = try Self.open(c)
        #expect(kernel.symbolSource.hasPrefix(c.withSystemMap ? "System.map" : "kallsyms"))
        let info = try SystemInfo(kernel: kernel)
        let uname = try Fixtures.truth(Fixtures.sysrq, "uname.txt")
        #expect(uname.hasPrefix("Linux kdsql-fixture \(info.release) \(info.version) \(info.machine)"))
        #expect(info.release == (try Fixtures.truth(Fixtures.sysrq, "osrelease.txt")).split(separator: "\n").first.map(String.init))
        #expect(info.nodename == "kdsql-fixture")
        #expect(info.cpus == 2)
        let memTotalKB = try Fixtures.truth(Fixtures.sysrq, "meminfo.txt").split(separator: "\n")
            .first { $0.hasPrefix("MemTotal:") }!.split(separator: " ")[1]
        #expect(info.totalRAMBytes == UInt64(memTotalKB)! * 1024)
    }

    /// The same symbols read identical bytes in every format, whichever
    /// symbol source located them.
    @Test func symbolBytesAreIdenticalInEveryFormat() throws {
        var banners: Set<[UInt8]> = [], comms: Set<String> = [], uts: Set<[UInt8]> = []
        for c in Self.cases {
            let kernel = try Self.open(c)
            banners.insert(try kernel.read(try kernel.address(of: "linux_banner"), count: 160))
            let initTask = try kernel.global("init_task")
            comms.insert(try initTask["comm"].string())
            uts.insert(try kernel.read(try kernel.address(of: "init_uts_ns"), count: 512))
        }
        #expect(banners.count == 1)
        #expect(comms == ["swapper/0"])
        #expect(uts.count == 1)
    }

    @Test func aSystemMapFromAnotherKaslrSlideIsRejected() throws {
        // The oops fixture is the same build booted with another KASLR offset:
        // its dump and the sysrq map (relocated by the oops dump's offset) agree,
        // but a map shifted by a page must not.
        let text = try Fixtures.text(try Fixtures.path(Fixtures.sysrq, Fixtures.systemMap))
        let shifted = text.split(separator: "\n").map { line -> String in
            let parts = line.split(separator: " ")
            guard parts.count == 3, let a = UInt64(parts[0], radix: 16) else { return String(line) }
            return String(a + 0x1000, radix: 16) + " " + parts[1] + " " + parts[2]
        }.joined(separator: "\n")
        let path = "/tmp/kdsql-shifted-\(getpid()).map"
        let f = fopen(path, "w")!
        fputs(shifted, f)
        fclose(f)
        defer { unlink(path) }
        let dump = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")
        #expect(throws: DebugInfoError.self) { try Kernel.open(path: dump, options: .init(systemMapPath: path)) }
        // The real map of the same build works on the other fixture's dump.
        let oops = try Kernel.open(path: try Fixtures.path(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"),
                                   options: .init(systemMapPath: try Fixtures.path(Fixtures.sysrq, Fixtures.systemMap)))
        #expect(oops.kaslrOffset == (try CrashRecord(set: Fixtures.oops)).kernelOffset)
    }
}
