import CSQLite
import Foundation
import Testing
import KdsqlSQL
@testable import KdsqlCLI

@Suite("Shipped queries")
struct ShippedQueriesTests {
    static let expectedNames = ["bash_count", "blocked_in", "bt", "cgroups", "dev", "foreach_bt", "ipcs", "irq", "kmem_i", "kmem_s", "ps",
                                "sig", "swap", "sys", "tasks_by_state", "threads_per_process", "top_rss", "uninterruptible", "zombies"]

    @Test func embeddedQueriesAreTheQueriesFolder() throws {
        let dir = packageRoot + "/Queries"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sql") }.sorted()
        let onDisk = try names.map { ($0, try String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) }
        #expect(EmbeddedQueries.files.map(\.name) == onDisk.map(\.0))
        for (b, d) in zip(EmbeddedQueries.files, onDisk) { #expect(b.text == d.1, "\(b.name)") }
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
        try StatementRunner(db: connection.handle).run(try Self.contractSchema, format: .csv, headers: false, into: try Capture().writer)
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
        try StatementRunner(db: connection.handle).run(try Self.contractSchema + """
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

    /// Plain tables with the columns of every table definition, so the
    /// queries run against the contract without a dump.
    static var contractSchema: String {
        get throws {
            try DefinitionSet.builtin().tables.map {
                "CREATE TABLE \($0.name)" + $0.createTableSQL.dropFirst("CREATE TABLE x".count) + ";\n"
            }.joined()
        }
    }

}
