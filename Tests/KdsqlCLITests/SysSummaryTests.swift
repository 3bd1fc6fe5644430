import KdsqlSQL
import Testing
@testable import KdsqlCLI

@Suite("sys summary banner")
struct SysSummaryTests {
    @Test func theBannerHasCrashStyleRightAlignedLabels() throws {
        #expect(SysSummary.lines([
            "kernel": .text("vmlinux"), "dumpfile": .text("vmcore"), "cpus": .integer(2),
            "date": .text("Sat Nov 28 12:00:00 UTC 2026"), "uptime": .text("00:01:02"),
            "load_average_1": .real(0.5), "load_average_5": .real(0.25), "load_average_15": .integer(1),
            "tasks": .integer(98), "nodename": .text("guest"), "release": .text("6.1.0"), "version": .text("#1 SMP"),
            "machine": .text("x86_64"), "memory_bytes": .integer(2147483648), "panic": .text("sysrq triggered crash"),
            "panic_pid": .integer(321), "panic_comm": .text("bash"), "panic_task": .integer(-131391477645312),
            "panic_cpu": .integer(1),
        ]) == [
            "      KERNEL: vmlinux",
            "    DUMPFILE: vmcore",
            "        CPUS: 2",
            "        DATE: Sat Nov 28 12:00:00 UTC 2026",
            "      UPTIME: 00:01:02",
            "LOAD AVERAGE: 0.50, 0.25, 1.00",
            "       TASKS: 98",
            "    NODENAME: guest",
            "     RELEASE: 6.1.0",
            "     VERSION: #1 SMP",
            "     MACHINE: x86_64",
            "      MEMORY: 2 GB",
            "       PANIC: \"sysrq triggered crash\"",
            "         PID: 321",
            "     COMMAND: \"bash\"",
            "        TASK: ffff888009a60000",
            "         CPU: 1",
        ])
    }

    /// The saved query `sys` prints the same block as the banner, from SQL alone.
    @Test func theSavedSysQueryPrintsTheBannersLines() throws {
        let database = try sampleDatabase()
        let query = try #require(QueryLibrary.builtIn()["sys"])
        let capture = try Capture()
        var executor = StatementExecutor(database: database, settings: OutputSettings(format: .table))
        executor.plainText = query.plainText
        try executor.run(query.sql, into: capture.writer)
        #expect(capture.text() == SysSummary.lines(for: database).map { $0 + "\n" }.joined())
    }

    @Test func withoutADumpThereIsNoBanner() throws {
        #expect(SysSummary.lines(for: try KdsqlDatabase()).isEmpty)
    }

    @Test func memoryUsesTheLargestBinaryUnit() {
        #expect(SysSummary.memory(2 * 1024 * 1024 * 1024) == "2 GB")
        #expect(SysSummary.memory(1536 * 1024 * 1024) == "1.5 GB")
        #expect(SysSummary.memory(512 * 1024 * 1024) == "512 MB")
    }
}
