import Testing
@testable import KdsqlCLI

@Suite("sys summary banner")
struct SysSummaryTests {
    @Test func theBannerHasCrashStyleRightAlignedLabels() throws {
        let connection = try MemoryConnection()
        try StatementRunner(db: connection.handle).run(ShippedQueriesTests.contractSchema + """
            INSERT INTO sys (kernel, dumpfile, cpus, date, uptime, load_average_1, load_average_5, load_average_15,
                             tasks, nodename, release, version, machine, memory_bytes, panic, panic_pid, panic_comm,
                             panic_task, panic_cpu)
            VALUES ('vmlinux', 'vmcore', 2, 'Sat Nov 28 12:00:00 UTC 2026', '00:01:02', 0.5, 0.25, 1, 98, 'guest',
                    '6.1.0', '#1 SMP', 'x86_64', 2147483648, 'sysrq triggered crash', 321, 'bash', -131391477645312, 1);
            """, format: .csv, headers: false, into: try Capture().writer)
        #expect(SysSummary.lines(for: connection) == [
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

    @Test func withoutASysTableThereIsNoBanner() throws {
        #expect(SysSummary.lines(for: try MemoryConnection()).isEmpty)
    }

    @Test func memoryUsesTheLargestBinaryUnit() {
        #expect(SysSummary.memory(2 * 1024 * 1024 * 1024) == "2 GB")
        #expect(SysSummary.memory(1536 * 1024 * 1024) == "1.5 GB")
        #expect(SysSummary.memory(512 * 1024 * 1024) == "512 MB")
    }
}
