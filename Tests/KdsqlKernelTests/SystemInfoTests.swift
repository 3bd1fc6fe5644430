import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

@Suite struct SystemInfoTests {
    @Test(arguments: Fixtures.sysrqDumps)
    func unameMatchesTruth(file: String) throws {
        let info = try SystemInfo(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file)))
        let uname = try Fixtures.truth(Fixtures.sysrq, "uname.txt")
        #expect(info.nodename == "kdsql-fixture")
        #expect(uname.hasPrefix("Linux \(info.nodename) \(info.release) \(info.version) \(info.machine)"))
        #expect(info.cpus == 2)
    }

    @Test func uptimeIsThePanicMomentWithinATick() throws {
        let info = try SystemInfo(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")))
        let panicUptime = Double(try Fixtures.truth(Fixtures.sysrq, "crash.txt").split(separator: "\n")
            .first { $0.hasPrefix("panic_uptime=") }!.dropFirst(13))!
        let up = Double(try #require(info.uptimeNs)) / 1e9
        // rq->clock of the CPU stopped last is a few ms after the panic message.
        #expect(abs(up - panicUptime) < 0.05)
        #expect(SystemInfo.formatUptime(seconds: UInt64(up)) == "00:00:11")
    }

    @Test func totalMemoryMatchesMeminfo() throws {
        let info = try SystemInfo(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")))
        let memTotalKB = try Fixtures.truth(Fixtures.sysrq, "meminfo.txt").split(separator: "\n")
            .first { $0.hasPrefix("MemTotal:") }!.split(separator: " ")[1]
        #expect(info.totalRAMBytes == UInt64(memTotalKB)! * 1024)
    }

    @Test func panicCpuAndTaskAreTheCrasher() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-lzo.kdump"))
        let info = try SystemInfo(kernel: kernel)
        #expect(info.panicCPU == 1)
        let tasks = try Tasks(kernel: kernel)
        let task = try #require(info.panicTask)
        #expect(try tasks.pid(task) == 212)
    }

    @Test func loadAverageIsCloseToTruth() throws {
        let info = try SystemInfo(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")))
        let truth = try Fixtures.truth(Fixtures.sysrq, "loadavg.txt").split(separator: " ").prefix(3).map { Double($0)! }
        let load = try #require(info.loadAverage)
        for i in 0..<3 { #expect(abs(load[i] - truth[i]) < 0.5) }
    }

    @Test func dateFormattingIsCivilUTC() {
        #expect(SystemInfo.formatDate(epochSeconds: 0) == "1970-01-01 00:00:00 UTC")
        #expect(SystemInfo.formatDate(epochSeconds: 1_795_862_470) == "2026-11-28 10:41:10 UTC")
    }
}
