#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
import KdsqlDump
import KdsqlMemory
@testable import KdsqlKernel

/// A task list whose `next` pointer is lost (NULL, or garbage) used to end
/// the walk there in silence (146 tasks → 11). The walk now resumes from the
/// list's other end and the pid IDR, lists every task once, and says so.
@Suite struct BrokenTaskListTests {
    static func copy(patching: (Kernel, Tasks, ElfVmcore) throws -> (UInt64, UInt64)) throws -> (path: String, expected: [UInt64]) {
        let original = try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")
        let kernel = try Kernel.open(path: original)
        let tasks = try Tasks(kernel: kernel)
        let elf = try #require(kernel.dump as? ElfVmcore)
        let (virtualAddress, value) = try patching(kernel, tasks, elf)
        let fileOffset = try #require(elf.fileOffset(physical: try kernel.translate(virtualAddress)))
        let f = try #require(fopen(original, "r"))
        let path = "/tmp/kdsql-broken-tasks-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).elf"
        let out = try #require(fopen(path, "w"))
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var at: UInt64 = 0
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            if fileOffset >= at, fileOffset + 8 <= at + UInt64(n) {
                withUnsafeBytes(of: value.littleEndian) { for k in 0..<8 { buf[Int(fileOffset - at) + k] = $0[k] } }
            }
            fwrite(buf, 1, n, out)
            at += UInt64(n)
        }
        fclose(f); fclose(out)
        return (path, try tasks.all())
    }

    static func leaderNode(_ tasks: Tasks, _ n: Int) throws -> UInt64 {
        let leaders = try tasks.all().filter { try tasks.pid($0) != 0 && tasks.tgid($0) == tasks.pid($0) }
        return leaders[n] + tasks.tasks.offset
    }

    @Test func aNullNextInTheTaskListIsResumedWithoutLosingOrRepeatingTasks() throws {
        let (path, expected) = try Self.copy { _, tasks, _ in (try Self.leaderNode(tasks, 10), 0) }
        defer { unlink(path) }
        let kernel = try Kernel.open(path: path)
        let tasks = try Tasks(kernel: kernel)
        let found = try tasks.all()
        #expect(found.count == expected.count)
        #expect(Set(found) == Set(expected))
        #expect(Set(found).count == found.count)
        #expect(kernel.warnings.entries.contains { $0.message.contains("task list broken") })
    }

    @Test func aGarbageNextIsCaughtByItsPrevPointer() throws {
        // Point pid 10th leader's next at the 20th leader's node: readable, but
        // its prev does not point back.
        let (path, expected) = try Self.copy { _, tasks, _ in (try Self.leaderNode(tasks, 10), try Self.leaderNode(tasks, 20)) }
        defer { unlink(path) }
        let kernel = try Kernel.open(path: path)
        let tasks = try Tasks(kernel: kernel)
        let found = try tasks.all()
        #expect(Set(found) == Set(expected))
        #expect(Set(found).count == found.count)
        #expect(kernel.warnings.entries.contains { $0.message.contains("task list broken") })
    }

    @Test func strictStopsAtABrokenTaskList() throws {
        let (path, _) = try Self.copy { _, tasks, _ in (try Self.leaderNode(tasks, 10), 0) }
        defer { unlink(path) }
        let kernel = try Kernel.open(path: path, options: .init(strict: true))
        #expect(throws: (any Error).self) { _ = try Tasks(kernel: kernel).all() }
    }
}
