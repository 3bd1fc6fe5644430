import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Open files against the guest's /proc/PID/fd links (truth/fds.csv).
@Suite struct TaskFilesTests {
    struct Fd: Hashable, CustomStringConvertible {
        var fd: Int; var target: String
        var description: String { "\(fd) -> \(target)" }
    }

    /// truth/fds.csv by pid, minus what the README says changed: pid 1 closed
    /// fd 9 (/tmp/kdsql-truth.txt) after writing the truth.
    static func truth() throws -> [Int64: [Fd]] {
        var out: [Int64: [Fd]] = [:]
        for r in try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv") {
            let pid = Int64(r["pid"]!)!, fd = Int(r["fd"]!)!
            if pid == 1 && fd == 9 { continue }
            out[pid, default: []].append(Fd(fd: fd, target: r["target"]!))
        }
        return out
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func everyDescriptorOfEveryTruthProcessMatchesProcFd(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let tasks = try Tasks(kernel: kernel)
        let files = try TaskFiles(kernel: kernel)
        let truth = try Self.truth()
        var compared = 0, matching = 0
        for (pid, expected) in truth {
            let task = try #require(try tasks.lookup(pid: pid).first, "pid \(pid) not in the dump")
            let got = try files.openFiles(task: task).map { Fd(fd: $0.fd, target: try files.decoder.path(file: $0.file)) }
            #expect(got == expected.sorted { $0.fd < $1.fd }, "pid \(pid)")
            compared += expected.count
            matching += Set(got).intersection(expected).count
        }
        let truthRows = try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv").count
        #expect(compared == truthRows - 1) // every truth row but pid 1's fd 9
        #expect(matching == compared, "\(matching) of \(compared) descriptors match")
    }

    @Test func reservedDescriptorsOfBlockedAcceptAreSkipped() throws {
        // The README: httpd and `nc -l` reserved fd 4 in open_fds inside accept(); fd[4] is NULL.
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let tasks = try Tasks(kernel: kernel)
        let files = try TaskFiles(kernel: kernel)
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv")
        let listeners = truth.filter { $0["comm"] == "httpd" || ($0["comm"] == "nc" && $0["cmdline"]!.contains("-l")) }
        #expect(listeners.count == 2)
        for r in listeners {
            let task = try #require(try tasks.lookup(pid: Int64(r["pid"]!)!).first)
            let fds = try files.openFiles(task: task).map(\.fd)
            #expect(!fds.contains(4), "\(r["comm"]!) fd 4 is reserved, not installed")
            let table = try kernel.object(task, "struct task_struct")["files->fdt"].dereference()
            let bitmap = try table["open_fds"].dereference().unsigned()
            #expect(bitmap & (1 << 4) != 0, "fd 4 is set in open_fds of \(r["comm"]!)")
        }
    }

    @Test func pseudoFileTypesAndInodeNumbersAgreeWithTheirNames() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let tasks = try Tasks(kernel: kernel)
        let files = try TaskFiles(kernel: kernel)
        var checked = 0
        for r in try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv") {
            let target = r["target"]!
            let kind = target.hasPrefix("socket:[") ? "SOCK" : target.hasPrefix("pipe:[") ? "FIFO" : target == "/dev/null" ? "CHR" : nil
            guard let kind else { continue }
            let task = try #require(try tasks.lookup(pid: Int64(r["pid"]!)!).first)
            let file = try #require(try files.openFiles(task: task).first { $0.fd == Int(r["fd"]!)! }?.file)
            #expect(FileDecoder.typeName(mode: try #require(try files.decoder.inodeMode(file: file))) == kind, "\(target)")
            if kind != "CHR" {
                let number = target.split(separator: "[")[1].dropLast()
                #expect(try files.decoder.inodeNumber(file: file) == UInt64(number)!, "\(target)")
            }
            checked += 1
        }
        #expect(checked > 250)
    }

    @Test func theDeletedFileIsStillARegularFileOfTheFdholder() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let tasks = try Tasks(kernel: kernel)
        let files = try TaskFiles(kernel: kernel)
        let row = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv").first { $0["target"]!.hasSuffix(" (deleted)") })
        let task = try #require(try tasks.lookup(pid: Int64(row["pid"]!)!).first)
        #expect(try tasks.comm(task) == "kdsql-fdholder")
        let file = try #require(try files.openFiles(task: task).first { $0.fd == Int(row["fd"]!)! }?.file)
        #expect(FileDecoder.typeName(mode: try #require(try files.decoder.inodeMode(file: file))) == "REG")
        #expect(try files.paths.isUnlinked(dentry: try files.decoder.dentry(file: file)))
    }
}
