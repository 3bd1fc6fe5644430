import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// `stack_frames` with a debug vmlinux: inlined functions as frames of their
/// own and the source line of every frame, compared frame for frame with
/// drgn's stack traces of the same dump and vmlinux
/// (Tests/Fixtures/oracle/SET/drgn-stack-frames.csv, drgn-stack-frames.py).
@Suite struct StackSourceLinesTests {
    static let sets = Fixtures.setsWithDebugVmlinux

    struct Frame: Equatable, CustomStringConvertible {
        var function: String, inlined: Bool, file: String, line: String, pc: UInt64
        var description: String { "\(function)\(inlined ? " (inlined)" : "") \(file):\(line) 0x\(String(pc, radix: 16))" }
    }

    static func database(_ set: String, vmlinux: Bool) throws -> KdsqlDatabase {
        let path = try Fixtures.compressedDump(set)
        let options = vmlinux
            ? Kernel.Options(vmlinuxPath: try Fixtures.debugVmlinux(release: try Fixtures.kernelRelease(set)))
            : Kernel.Options(typeSource: .btf)
        return try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: path, options: options)))
    }

    /// drgn's frames per pid, up to the first frame drgn could not name
    /// (module code without its debug info, user space), where drgn stops.
    static func drgnFrames(_ set: String) throws -> [Int64: [Frame]] {
        let text = try Fixtures.text(Fixtures.packageRoot + "/Tests/Fixtures/oracle/\(set)/drgn-stack-frames.csv")
        var result: [Int64: [Frame]] = [:]
        var stopped = Set<Int64>()
        for row in Fixtures.csv(text) {
            guard let pid = Int64(row["pid"] ?? ""), let name = row["function"], !stopped.contains(pid) else { continue }
            if name.hasPrefix("0x") { stopped.insert(pid); continue }
            result[pid, default: []].append(Frame(function: name, inlined: row["inlined"] == "1", file: row["file"] ?? "",
                                                  line: row["line"] ?? "", pc: UInt64(row["pc"]!.dropFirst(2), radix: 16)!))
        }
        return result
    }

    static func kdsqlFrames(_ db: KdsqlDatabase) throws -> [Int64: [Frame]] {
        var result: [Int64: [Frame]] = [:]
        for row in try db.query("SELECT pid, function, inlined, file, line, pc FROM stack_frames WHERE pid > 0 ORDER BY pid, frame") {
            guard let pid = row[0].int64 else { continue }
            result[pid, default: []].append(Frame(function: row[1].string ?? "", inlined: row[2].int64 == 1, file: row[3].string ?? "",
                                                  line: row[4].int64.map { String($0) } ?? "", pc: UInt64(bitPattern: row[5].int64 ?? 0)))
        }
        return result
    }

    @Test(arguments: sets)
    func functionsAndInlinedFramesEqualDrgnFrameForFrame(set: String) throws {
        let expected = try Self.drgnFrames(set)
        let found = try Self.kdsqlFrames(try Self.database(set, vmlinux: true))
        #expect(expected.count > 140, "drgn unwound \(expected.count) tasks")
        for (pid, frames) in expected {
            let mine = Array((found[pid] ?? []).prefix(frames.count))
            #expect(mine.map(\.function) == frames.map(\.function), "pid \(pid): drgn \(frames) kdsql \(mine)")
            #expect(mine.map(\.inlined) == frames.map(\.inlined), "pid \(pid)")
            #expect(mine.map(\.pc) == frames.map(\.pc), "pid \(pid)")
        }
    }

    @Test(arguments: sets)
    func sourceFilesAndLinesEqualDrgns(set: String) throws {
        let expected = try Self.drgnFrames(set)
        let found = try Self.kdsqlFrames(try Self.database(set, vmlinux: true))
        for (pid, frames) in expected {
            let mine = Array((found[pid] ?? []).prefix(frames.count))
            #expect(mine.map { "\($0.file):\($0.line)" } == frames.map { "\($0.file):\($0.line)" }, "pid \(pid)")
        }
    }

    @Test func anInlinedFrameSharesThePcOfTheFrameAfterIt() throws {
        let db = try Self.database(Fixtures.sysrq, vmlinux: true)
        let rows = try db.query("""
            SELECT count(*), sum(a.pc = b.pc) FROM stack_frames a JOIN stack_frames b
            ON b.pid = a.pid AND b.task = a.task AND b.frame = a.frame + 1 WHERE a.inlined = 1
            """)
        let inlined = rows[0][0].int64 ?? 0
        #expect(inlined > 200)
        #expect(rows[0][1].int64 == inlined)
    }

    @Test func withoutDebugInfoInlinedIsZeroAndFileAndLineAreNull() throws {
        let db = try Self.database(Fixtures.sysrq, vmlinux: false)
        let rows = try db.query("SELECT count(*), sum(inlined <> 0), sum(file IS NOT NULL), sum(line IS NOT NULL) FROM stack_frames")
        #expect((rows[0][0].int64 ?? 0) > 900)
        #expect(rows[0][1].int64 == 0 && rows[0][2].int64 == 0 && rows[0][3].int64 == 0)
    }
}
