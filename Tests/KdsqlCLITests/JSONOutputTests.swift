import Foundation
import Testing
@testable import KdsqlCLI

@Suite("JSON and JSON Lines output")
struct JSONOutputTests {
    static let typed = """
    SELECT 7 AS i, 2.5 AS r, 'tab' || char(9) || 'ctl' || char(1) || '"q"\\' AS s, NULL AS z,
           x'00ff10' AS b, CAST(x'ff41' AS TEXT) AS bad
    """

    /// Python's json module is strict: raw control characters in strings are rejected.
    static let pythonTypes = "import json,sys; d=json.load(sys.stdin); print(json.dumps([[type(v).__name__ for v in r.values()] for r in d]))"

    @Test func aResultIsOneArrayOfObjectsThatAStrictParserAccepts() throws {
        let json = try render(Self.typed, format: .json)
        let types = try python(Self.pythonTypes, input: json)
        #expect(types.status == 0, "python rejected: \(types.stderr)")
        #expect(types.stdout == "[[\"int\", \"float\", \"str\", \"NoneType\", \"str\", \"str\"]]\n")
    }

    @Test func valuesKeepTheirTypesAndTextIsEscaped() throws {
        let json = try render(Self.typed, format: .json)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let row = try #require(rows.first)
        #expect(row["i"] as? Int == 7)
        #expect(row["r"] as? Double == 2.5)
        #expect(row["s"] as? String == "tab\tctl\u{01}\"q\"\\")
        #expect(row["z"] is NSNull)
        #expect(row["b"] as? String == "00ff10")
        #expect(json.contains("\\u0001"))
    }

    @Test func invalidUTF8BecomesTheReplacementCharacter() throws {
        let json = try render("SELECT CAST(x'ff41' AS TEXT) AS bad", format: .json)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: String]])
        #expect(rows == [["bad": "\u{FFFD}A"]])
    }

    @Test func anEmptyResultIsAnEmptyArray() throws {
        #expect(try render("SELECT 1 AS a WHERE 0", format: .json) == "[]\n")
    }

    @Test func jsonlWritesOneObjectPerLine() throws {
        let text = try render("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL", format: .jsonl)
        #expect(text == "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":null}\n")
        for line in text.split(separator: "\n") {
            #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
        }
    }

    @Test func nonFiniteRealsBecomeNull() {
        #expect(JSONFormatter.encode(.real(.infinity)) == "null")
        #expect(JSONFormatter.encode(.real(.nan)) == "null")
    }
}
