import Foundation
import FixtureSupport
import Testing

/// `kdsql DUMP -q fuser --param path=PATH`: who uses a file, against the
/// truth's /proc/PID/fd and /proc/PID/maps.
@Suite struct FuserQueryTests {
    static let sets = [Fixtures.sysrq, Fixtures.oops, Fixtures.views, Fixtures.sysrq612, Fixtures.oops612]

    static func fuser(_ set: String, _ path: String) throws -> [[String]] {
        let dump = try Fixtures.compressedDump(set)
        let result = try KdsqlBinary.run([dump, "--format", "csv", "-q", "fuser", "--param", "path=\(path)"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").dropFirst().map { line in
            // pid,task,comm,usage (usage may be quoted: "fd 0,fd 1").
            let parts = line.split(separator: ",", maxSplits: 3).map(String.init)
            return parts.count == 4 ? [parts[0], parts[2], parts[3].replacingOccurrences(of: "\"", with: "")] : parts
        }
    }

    @Test(arguments: sets)
    func aFileHeldOpenListsTheHolderAndItsDescriptor(set: String) throws {
        let holders = try Fixtures.truthCSV(set, "fds.csv").filter { $0["target"] == "/tmp/kdsql-open-file.txt" }
        #expect(holders.count == 1)
        let rows = try Self.fuser(set, "/tmp/kdsql-open-file.txt")
        #expect(rows == holders.map { [$0["pid"]!, "kdsql-fdholder", "fd \($0["fd"]!)"] }, "\(set)")
    }

    /// Every process that maps /bin/bash (maps.csv) and no other has an mmap use.
    @Test(arguments: sets)
    func aMappedProgramListsEveryProcessMappingIt(set: String) throws {
        let truth = Set(try Fixtures.truthCSV(set, "maps.csv").filter { $0["path"] == "/bin/bash" }.map { $0["pid"]! })
        #expect(!truth.isEmpty)
        let rows = try Self.fuser(set, "/bin/bash")
        let mapping = Set(rows.filter { $0[2].split(separator: ",").contains("mmap") }.map { $0[0] })
        // The crasher bash started after the truth was taken; every process of the truth is there.
        #expect(truth.isSubset(of: mapping), "\(set): missing \(truth.subtracting(mapping).sorted())")
        #expect(mapping.count - truth.count <= 1, "\(set): extra \(mapping.subtracting(truth).sorted())")
    }
}

/// `--search-limit N` bounds kd_search's matches; the argument overrides it.
@Suite struct SearchLimitOptionTests {
    static let zeros = "SELECT count(*) FROM kd_search(0xffffffff80000000, 0xffffffffffffffff, 0)"

    @Test func theFlagBoundsTheMatchesWithAWarning() throws {
        let dump = try Fixtures.compressedDump(Fixtures.sysrq)
        let result = try KdsqlBinary.run([dump, "--format", "csv", "--search-limit", "3", Self.zeros])
        #expect(result.status == 0)
        #expect(result.stdout == "count(*)\n3\n")
        #expect(result.stderr.contains("stopped after 3 matches"))
        let argument = try KdsqlBinary.run([dump, "--format", "csv", "--search-limit", "3",
                                            "SELECT count(*) FROM kd_search(0xffffffff80000000, 0xffffffffffffffff, 0, -1, 7)"])
        #expect(argument.stdout == "count(*)\n7\n")
    }

    @Test func aLimitBelowOneIsAUsageError() throws {
        let result = try KdsqlBinary.run([KdsqlBinary.anyDump, "--search-limit", "0", "SELECT 1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--search-limit needs a positive number"))
    }
}
