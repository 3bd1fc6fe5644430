import CSQLite
import Foundation
import Testing
@testable import KdsqlCLI

@Suite("Shipped queries")
struct ShippedQueriesTests {
    static let expectedNames = ["bash_count", "blocked_in", "bt", "foreach_bt", "ps", "sys", "tasks_by_state", "threads_per_process", "top_rss",
                                "uninterruptible", "zombies"]

    @Test func bundledQueriesMatchTheQueriesFolder() throws {
        let dir = packageRoot + "/Queries"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sql") }.sorted()
        let onDisk = try names.map { ($0, try String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) }
        let bundled = BundledQueries.files.sorted { $0.name < $1.name }
        #expect(bundled.map(\.name) == onDisk.map(\.0), "run Scripts/bundle-queries.py")
        for (b, d) in zip(bundled, onDisk) { #expect(b.text == d.1, "\(b.name) is stale: run Scripts/bundle-queries.py") }
    }

    @Test func everyShippedQueryParsesWithADescription() {
        let library = QueryLibrary.builtIn()
        #expect(library.problems.isEmpty)
        #expect(library.queries.map(\.name) == Self.expectedNames)
        #expect(library.queries.allSatisfy { !$0.description.isEmpty && !$0.requires.isEmpty })
    }

    /// Runs each query against empty tables with the contract's columns, so a
    /// misspelt column or a syntax error fails here rather than on a dump.
    @Test func everyShippedQueryRunsAgainstTheTableContracts() throws {
        let connection = try MemoryConnection()
        try StatementRunner(db: connection.handle).run(Self.contractSchema, format: .csv, headers: false, into: try Capture().writer)
        // kd_hex comes from the SQL layer; a stand-in with the same arity is enough here.
        sqlite3_create_function_v2(connection.handle, "kd_hex", -1, SQLITE_UTF8, nil, { context, _, args in
            sqlite3_result_value(context, args![0])
        }, nil, nil, nil)
        for query in QueryLibrary.builtIn().queries {
            #expect(throws: Never.self, "\(query.name)") {
                try StatementRunner(db: connection.handle).run(query.sql, format: .csv, headers: true, into: try Capture().writer)
            }
        }
    }

    @Test func psMarksActiveTasksAndBracketsKernelThreads() throws {
        let connection = try MemoryConnection()
        try StatementRunner(db: connection.handle).run(Self.contractSchema + """
            INSERT INTO tasks (pid, ppid, cpu, task, state, mem_pct, vsz_kb, rss_kb, comm, is_kernel_thread, is_active)
            VALUES (0, 0, 0, 255, 'RU', 0.0, 0, 0, 'swapper/0', 1, 1), (1, 0, 1, 4096, 'IN', 0.3, 100, 10, 'systemd', 0, 0);
            """, format: .csv, headers: false, into: try Capture().writer)
        sqlite3_create_function_v2(connection.handle, "kd_hex", -1, SQLITE_UTF8, nil, { context, _, args in
            sqlite3_result_value(context, args![0])
        }, nil, nil, nil)
        let capture = try Capture()
        try StatementRunner(db: connection.handle).run(try #require(QueryLibrary.builtIn()["ps"]).sql, format: .csv,
                                                       headers: true, into: capture.writer)
        #expect(capture.text() == """
            active,pid,ppid,cpu,task,state,mem_pct,vsz_kb,rss_kb,comm
            >,0,0,0,255,RU,0.0,0,0,[swapper/0]
            "",1,0,1,4096,IN,0.3,100,10,systemd

            """)
    }

    static let contractSchema = """
        CREATE TABLE tasks (pid INTEGER, tgid INTEGER, ppid INTEGER, comm TEXT, state TEXT, state_raw INTEGER,
            task INTEGER, cpu INTEGER, prio INTEGER, static_prio INTEGER, policy INTEGER, flags INTEGER, uid INTEGER,
            gid INTEGER, euid INTEGER, start_time_ns INTEGER, utime_ns INTEGER, stime_ns INTEGER, vsz_kb INTEGER,
            rss_kb INTEGER, mem_pct REAL, is_kernel_thread INTEGER, is_group_leader INTEGER, is_active INTEGER,
            nice INTEGER, nr_threads INTEGER);
        CREATE TABLE sys (kernel TEXT, dumpfile TEXT, cpus INTEGER, date TEXT, uptime TEXT, uptime_s INTEGER,
            load_average_1 REAL, load_average_5 REAL, load_average_15 REAL, tasks INTEGER, nodename TEXT,
            release TEXT, version TEXT, machine TEXT, memory_bytes INTEGER, panic TEXT, panic_pid INTEGER,
            panic_comm TEXT, panic_task INTEGER, panic_cpu INTEGER, jiffies INTEGER, kaslr_offset INTEGER,
            dump_format TEXT);
        CREATE TABLE stack_frames (pid INTEGER, task INTEGER, cpu INTEGER, frame INTEGER, sp INTEGER, pc INTEGER,
            function TEXT, offset INTEGER, size INTEGER, symbol TEXT, module TEXT, is_exception_frame INTEGER,
            method TEXT, stack TEXT, error TEXT, in_scheduler INTEGER);
        CREATE TABLE registers (pid INTEGER, task INTEGER, cpu INTEGER, frame INTEGER, name TEXT, value INTEGER,
            source TEXT, regs_address INTEGER);

        """
}
