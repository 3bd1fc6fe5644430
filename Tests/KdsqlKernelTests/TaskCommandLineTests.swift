import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// argv from user memory: NULL on these -d 31 dumps, decoding on constructed buffers.
@Suite struct TaskCommandLineTests {
    /// Every user process: argv equals the guest's /proc/PID/cmdline, or is
    /// NULL because -d 31 dropped the page. The kdump formats leave out every
    /// excluded page; the ELF dump keeps runs of fewer than 256 excluded pages
    /// (the README), so argument pages can survive there, as many as this
    /// run's physical layout left (the shared set has some, a generated run
    /// may have none). argv is NULL only for a page missing from the dump or
    /// unmapped; any other failure throws and fails the test.
    @Test(arguments: Fixtures.sysrqDumps)
    func argvIsTheProcCmdlineOrNullWhereUserPagesWereFilteredOut(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let tasks = try Tasks(kernel: kernel)
        let cmdline = TaskCommandLine(kernel: kernel, summary: try MmSummary(kernel: kernel))
        let users = try Fixtures.truthCSV(Fixtures.sysrq, "tasks.csv")
            .filter { $0["is_kthread"] == "0" && $0["pid"] == $0["tgid"] }
        var present = 0, matching = 0
        for r in users {
            let task = try #require(try tasks.lookup(pid: Int64(r["pid"]!)!).first)
            guard let argv = try cmdline.argv(mm: try tasks.mm(task)) else { continue }
            present += 1
            let recorded = TaskTruth.asRecorded(TaskCommandLine.text(argv))
            #expect(recorded == r["cmdline"]!, "pid \(r["pid"]!)")
            if recorded == r["cmdline"]! { matching += 1 }
        }
        #expect(!users.isEmpty)
        #expect(matching == present)
        if !file.hasSuffix(".elf") {
            #expect(present == 0, "kdump formats drop every excluded user page")
        }
    }

    @Test func kernelThreadsHaveNoCommandLine() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let tasks = try Tasks(kernel: kernel)
        let cmdline = TaskCommandLine(kernel: kernel, summary: try MmSummary(kernel: kernel))
        let kthreadd = try #require(try tasks.lookup(pid: 2).first)
        #expect(try cmdline.argv(mm: try tasks.mm(kthreadd)) == nil)
    }

    @Test func nulSeparatedArgumentsDecodeToArgv() {
        let area = Array("bash\0-c\0sleep 100000; :\0kdsql-worker-07\0".utf8)
        #expect(TaskCommandLine.decode(area) == ["bash", "-c", "sleep 100000; :", "kdsql-worker-07"])
        #expect(TaskCommandLine.text(TaskCommandLine.decode(area)) == "bash -c sleep 100000; : kdsql-worker-07")
    }

    @Test func emptyArgumentsSurviveDecoding() {
        #expect(TaskCommandLine.decode(Array("prog\0\0last\0".utf8)) == ["prog", "", "last"])
        #expect(TaskCommandLine.decode([]) == [])
    }

    @Test func anOverwrittenFinalNulIsATitleRunningIntoTheEnvironment() {
        // setproctitle(3): "nginx: worker" written over argv and past arg_end into env.
        let args = Array("nginx: wo".utf8)
        let env = Array("rker\0PATH=/bin\0".utf8)
        #expect(TaskCommandLine.decode(args, continuation: env) == ["nginx: worker"])
    }
}
