import Foundation
import Testing
@testable import KdsqlCLI

@Suite("CSV output")
struct CSVOutputTests {
    static let tricky = """
    SELECT 'a,b' AS comma, 'say "hi"' AS quote, 'line1
    line2' AS newline, NULL AS missing, 'ünïcødé 漢字' AS unicode, 'cr' || char(13) || char(10) || 'lf' AS crlf, 42 AS n
    """

    @Test func trickyValuesParseBackWithPythonsCSVReader() throws {
        let csv = try render(Self.tricky, format: .csv)
        let parsed = try python("import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))", input: csv)
        #expect(parsed.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [[String]]
        #expect(rows == [
            ["comma", "quote", "newline", "missing", "unicode", "crlf", "n"],
            ["a,b", "say \"hi\"", "line1\nline2", "", "ünïcødé 漢字", "cr\r\nlf", "42"],
        ])
    }

    @Test func quotesAreDoubledInsideQuotedFields() throws {
        #expect(try render("SELECT 'say \"hi\"' AS q", format: .csv) == "q\n\"say \"\"hi\"\"\"\n")
    }

    @Test func nullIsAnEmptyFieldAndEmptyTextIsQuoted() throws {
        #expect(try render("SELECT NULL AS a, '' AS b, 1 AS c", format: .csv) == "a,b,c\n,\"\",1\n")
    }

    @Test func linesEndInLineFeedOnly() throws {
        let csv = try render("SELECT 1 AS a UNION ALL SELECT 2", format: .csv)
        #expect(csv == "a\n1\n2\n")
        #expect(!csv.contains("\r"))
    }

    @Test func headersOffLeavesOnlyTheRows() throws {
        #expect(try render("SELECT 1 AS a, 2 AS b", format: .csv, headers: false) == "1,2\n")
    }
}
