#if canImport(Glibc)
@preconcurrency import Glibc
#endif
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
        let panicUptime = try #require(try CrashRecord(set: Fixtures.sysrq).panicUptime)
        let up = Double(try #require(info.uptimeNs)) / 1e9
        // rq->clock of the CPU stopped last is a few ms after the panic message.
        #expect(abs(up - panicUptime) < 0.05)
    }

    @Test func uptimeTextIsCrashStyle() {
        #expect(SystemInfo.formatUptime(seconds: 11) == "00:00:11")
        #expect(SystemInfo.formatUptime(seconds: 161) == "00:02:41")
        #expect(SystemInfo.formatUptime(seconds: 90061) == "1 day, 01:01:01")
        #expect(SystemInfo.formatUptime(seconds: 2 * 86400) == "2 days, 00:00:00")
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
        let crash = try CrashRecord(set: Fixtures.sysrq)
        #expect(info.panicCPU == crash.panicCPU)
        let tasks = try Tasks(kernel: kernel)
        let task = try #require(info.panicTask)
        #expect(try tasks.pid(task) == crash.panicPid)
        #expect(try tasks.comm(task) == crash.panicComm)
    }

    @Test func loadAverageIsCloseToTruth() throws {
        let info = try SystemInfo(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf")))
        let truth = try Fixtures.truth(Fixtures.sysrq, "loadavg.txt").split(separator: " ").prefix(3).map { Double($0)! }
        let load = try #require(info.loadAverage)
        // Between the capture and the panic each average decays toward the
        // number of runnable tasks by 1 - e^(-dt/T) (kernel/sched/loadavg.c,
        // T = 60/300/900 s), updated every LOAD_FREQ (5 s); with at most
        // `runnable` tasks that bounds how far it can move. When during the
        // capture loadavg.txt was read is not recorded, so dt runs from its start.
        let uptimes = try Fixtures.truth(Fixtures.sysrq, "uptime.txt").split(separator: "\n")
        func at(_ key: String) -> Double? { uptimes.first { $0.hasPrefix(key + " ") }.flatMap { Double($0.split(separator: " ")[1]) } }
        let panicAt = try #require(at("panic")), capturedAt = try #require(at("uptime-start"))
        let dt = panicAt - capturedAt + 5
        let runnable = 4.0
        for (i, period) in [60.0, 300.0, 900.0].enumerated() {
            let bound = (1 - exp(-dt / period)) * (max(truth[i], runnable)) + 0.02
            #expect(abs(load[i] - truth[i]) <= bound, "avenrun[\(i)]: \(load[i]) vs \(truth[i]) after \(dt) s")
        }
    }

    @Test func dateFormattingIsCivilUTC() {
        #expect(SystemInfo.formatDate(epochSeconds: 0) == "1970-01-01 00:00:00 UTC")
        #expect(SystemInfo.formatDate(epochSeconds: 1_795_862_470) == "2026-11-28 10:41:10 UTC")
    }
}
