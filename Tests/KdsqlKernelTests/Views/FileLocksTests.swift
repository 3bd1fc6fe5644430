import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// File locks against /proc/locks (truth/locks.csv): kdsql-locks holds an
/// OFD lock, two POSIX ranges and a flock; kdsql-lockwait waits on one range.
@Suite struct FileLocksTests {
    @Test(arguments: Fixtures.viewsSets) func locksAndWaitersAreThoseOfProcLocks(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let locks = try FileLocks(kernel: kernel).all()
        let kindNames = ["OFDLCK": "OFD", "POSIX": "POSIX", "FLOCK": "FLOCK"]
        func key(_ kind: String, _ mode: String, _ pid: Int64, _ blocked: Bool, _ dev: UInt64?, _ inode: UInt64?, _ start: Int64, _ end: Int64?) -> String {
            "\(kind) \(mode) \(pid) \(blocked) \(dev.map { "\($0 >> 20):\($0 & 0xfffff)" } ?? "?") \(inode ?? 0) \(start) \(end.map(String.init) ?? "EOF")"
        }
        let mine = locks.map { key($0.kind, $0.mode, $0.pid, $0.blocked, $0.device, $0.inode, $0.start, $0.end) }
        let truth = try Fixtures.truthCSV(set, "locks.csv").map {
            key(kindNames[$0["class"]!]!, $0["type"]!, Int64($0["pid"]!)!, $0["blocked_waiter"] == "1",
                UInt64($0["major"]!)! << 20 | UInt64($0["minor"]!)!, UInt64($0["inode"]!)!, Int64($0["start"]!)!,
                $0["end"] == "EOF" ? nil : Int64($0["end"]!)!)
        }
        #expect(mine.sorted() == truth.sorted())
        // The waiter follows its blocker and shares its ordinal, as `3: ->` in /proc/locks.
        let waiter = try #require(locks.first { $0.blocked })
        #expect(locks.contains { !$0.blocked && $0.ordinal == waiter.ordinal && $0.start == waiter.start })
        #expect(locks.allSatisfy { $0.path != nil })
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelAnswers(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        for l in try FileLocks(kernel: kernel).all() { #expect(l.kind != "UNKNOWN" && (l.end ?? .max) >= l.start) }
    }
}
