import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The bundled sample (Tests/Fixtures/sample, `kdsql --sample`) is a real
/// dump too: it must answer the seed's questions against its own truth.
@Suite struct SampleDumpTests {
    static func kernel() throws -> Kernel {
        try Kernel.open(path: Fixtures.sampleDirectory + "/" + Fixtures.sampleDump)
    }

    static func truth(_ name: String) throws -> String {
        try Fixtures.text(Fixtures.sampleDirectory + "/truth/" + name)
    }

    @Test func sampleNodenameAndReleaseMatchItsUname() throws {
        let info = try SystemInfo(kernel: try Self.kernel())
        #expect(try Self.truth("uname.txt").hasPrefix("Linux \(info.nodename) \(info.release) "))
    }

    @Test func sampleBashCountIsItsTruthPlusTheCrasher() throws {
        let tasks = try Tasks(kernel: try Self.kernel())
        let bash = try tasks.all().filter { try tasks.comm($0) == "bash" }.count
        let truth = Fixtures.csv(try Self.truth("tasks.csv")).filter { $0["comm"] == "bash" }.count
        #expect(bash == truth + 1)
    }

    @Test func sampleUserTasksMatchItsTruth() throws {
        let tasks = try Tasks(kernel: try Self.kernel())
        var compared = 0
        for r in Fixtures.csv(try Self.truth("tasks.csv")) where r["is_kthread"] == "0" {
            let t = try #require(try tasks.lookup(pid: Int64(r["pid"]!)!).first, "pid \(r["pid"]!)")
            #expect(try tasks.comm(t) == r["comm"]!)
            #expect(try tasks.ppid(t) == Int64(r["ppid"]!)!)
            compared += 1
        }
        #expect(compared > 80)
    }
}
