import Foundation
import FixtureSupport
import Testing
@testable import KdsqlCLI

/// `kdsql DUMP --report FILE.html` on the fixture dumps: one self-contained
/// page (Scripts/screenshot-report renders it in headless Chromium).
@Suite("Triage report")
struct TriageReportTests {
    static func report(_ set: String) throws -> String {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let directory = try #require(Fixtures.directory(set), "fixture set \(set) not found")
        let dump = try #require(ShippedQueriesTests.dumpFile(directory))
        let result = try KdsqlBinary.run([directory + "/" + dump, "--report", dir + "/r.html"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "")
        return try String(contentsOfFile: dir + "/r.html", encoding: .utf8)
    }

    @Test(arguments: ShippedQueriesTests.sets)
    func theReportIsOneSelfContainedPageWithItsCharts(set: String) throws {
        let html = try Self.report(set)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.hasSuffix("</html>\n"))
        for remote in ["http://", "https://", "<script", "<link", "<img", "url("] {
            #expect(!html.contains(remote), "\(remote)")
        }
        // The task-state and largest-process charts, and the memory bar.
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
        for id in ["sys", "panic", "bt", "log", "states", "rss", "memory", "modules", "dstate"] {
            #expect(html.contains("<section id=\"\(id)\""), "\(id)")
        }
        #expect(!html.contains("Not available from this dump"))
    }

    @Test(arguments: ShippedQueriesTests.sets)
    func theReportNamesThePanicAndItsTask(set: String) throws {
        let html = try Self.report(set)
        let facts = try PanicFacts(set)
        #expect(html.contains("pid \(try facts.panicPid()) · "))
        #expect(html.contains("NODENAME: kdsql-fixture"))
    }

    /// The Oops fixture's `Oops: 0002`: a write (bit 1) to a page that was
    /// not present, in kernel mode; every bit gets a row, the set one marked.
    @Test func theOopsErrorCodeIsExplainedBitByBit() throws {
        let html = try Self.report(Fixtures.oops)
        #expect(html.contains("Page-fault error code 0x2 at 0x0, bit by bit"))
        #expect(html.contains("<tr class=\"mark\"><td>1</td><td>WRITE</td><td>1</td><td>the access was a write</td></tr>"))
        #expect(html.contains("<tr><td>0</td><td>PROT</td><td>0</td><td>the page was not present</td></tr>"))
        #expect(html.contains("<tr><td>2</td><td>USER</td><td>0</td><td>the access came from kernel mode</td></tr>"))
        // The crashing module is out of tree and unsigned: its taint letters are shown and marked.
        #expect(html.contains("<tr class=\"mark\"><td>kdsql_oops</td>"))
        #expect(html.contains("<td>OE</td>"))
    }

    @Test func aPanicWithoutAnOopsSaysThereIsNoErrorCode() throws {
        let html = try Self.report(Fixtures.sysrq)
        #expect(html.contains("No Oops: the kernel called panic() directly"))
        #expect(html.contains("sysrq triggered crash"))
    }

    @Test func logLinesCarryTheirLevelsColour() throws {
        let html = try Self.report(Fixtures.oops)
        #expect(html.contains("<span class=\"l1\" title=\"alert\">") || html.contains("<span class=\"l0\" title=\"emerg\">"))
        #expect(html.contains("<span class=\"l4\" title=\"warning\">"))
    }

    /// A dump cut short still gets its page: the sections whose memory is
    /// missing say why, the others are written.
    @Test func aTruncatedDumpGetsAPageWithTheMissingSectionsExplained() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: KdsqlBinary.anyDump))
        try bytes.prefix(bytes.count * 95 / 100).write(to: URL(fileURLWithPath: dir + "/cut.vmcore"))
        let result = try KdsqlBinary.run([dir + "/cut.vmcore", "--report", dir + "/r.html"])
        #expect(result.status == 0)
        let html = try String(contentsOfFile: dir + "/r.html", encoding: .utf8)
        #expect(html.hasSuffix("</html>\n"))
        // Pages past the end of a cut file read as missing: the sections
        // that met them show what could be read and say what is missing.
        #expect(html.contains("Incomplete: "))
        #expect(html.contains("pages past the end of the truncated dump"))
        #expect(html.contains("NODENAME: kdsql-fixture"))
    }
}
