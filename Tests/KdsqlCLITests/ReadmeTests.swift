import Foundation
import FixtureSupport
import Testing

/// The README's table reference is generated, not hand-copied: it must be
/// exactly what `kdsql --table-reference` prints (Scripts/update-readme.py
/// regenerates it).
@Suite struct ReadmeTests {
    @Test func readmeTableReferenceIsTheGeneratedOne() throws {
        let readme = try String(contentsOfFile: Fixtures.packageRoot + "/README.md", encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- BEGIN table-reference -->\n"))
        let end = try #require(readme.range(of: "<!-- END table-reference -->"))
        let committed = String(readme[begin.upperBound..<end.lowerBound])
        let generated = try KdsqlBinary.run(["--table-reference"])
        #expect(generated.status == 0)
        #expect(committed.trimmingCharacters(in: .newlines) == generated.stdout.trimmingCharacters(in: .newlines),
                "README.md is stale: run `swift build && Scripts/update-readme.py`")
    }

    @Test func readmeQuickStartHasExactlyTheTwoMakeCommands() throws {
        let readme = try String(contentsOfFile: Fixtures.packageRoot + "/README.md", encoding: .utf8)
        let quick = try #require(readme.components(separatedBy: "## Quick start").dropFirst().first?
            .components(separatedBy: "## ").first)
        let commands = quick.split(separator: "\n").filter { $0.hasPrefix("make ") }.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        #expect(commands == ["make demo", "make test"])
    }
}
