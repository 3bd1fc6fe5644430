import Testing
@testable import KdsqlCLI

@Suite("Line and table output")
struct LineAndTableOutputTests {
    @Test func lineModeRightAlignsNamesAndSeparatesRowsWithABlankLine() throws {
        let text = try render("SELECT 1 AS pid, 'bash' AS comm UNION ALL SELECT 2, NULL", format: .line)
        #expect(text == """
             pid = 1
            comm = bash

             pid = 2
            comm = NULL

            """)
    }

    @Test func tableRightAlignsNumbersAndSizesColumnsFromTheData() throws {
        let text = try render("SELECT 1 AS n, 'x' AS name UNION ALL SELECT 100, 'longer'", format: .table)
        #expect(text == """
              n  name
            ---  ------
              1  x
            100  longer

            """)
    }

    @Test func tableShowsNullAndEscapesNewlines() throws {
        let text = try render("SELECT NULL AS a, 'x' || char(10) || 'y' AS b", format: .table)
        #expect(text == "a     b\n----  ----\nNULL  x\\ny\n")
    }

    @Test func tableRowsAfterTheSampleStreamWithTheSampledWidths() {
        let capture = try! Capture()
        var table = TableFormatter(headers: true, sampleSize: 2)
        table.begin(columns: [ResultColumn(name: "n"), ResultColumn(name: "s")], into: capture.writer)
        table.row([.integer(1), .text("a")], into: capture.writer)
        table.row([.integer(22), .text("bb")], into: capture.writer)
        // The sample is full: the header and first rows are out before the end.
        #expect(capture.text() == " n  s\n--  --\n 1  a\n22  bb\n")
        table.row([.integer(333), .text("c")], into: capture.writer)
        table.end(into: capture.writer)
        #expect(capture.text().hasSuffix("22  bb\n333  c\n"))
    }

    @Test func tableWithHeadersOffHasNoHeaderOrRule() throws {
        #expect(try render("SELECT 5 AS n", format: .table, headers: false) == "5\n")
    }

    @Test func wideCharactersCountAsTwoColumns() {
        #expect(TableFormatter.displayWidth("漢字") == 4)
        #expect(TableFormatter.displayWidth("ünï") == 3)
    }
}
