import Testing
@testable import KdsqlCLI

@Suite("Dot commands")
struct DotCommandTests {
    @Test func commandsAndTheirArgumentsParse() throws {
        #expect(try DotCommand.parse(".tables") == .tables)
        #expect(try DotCommand.parse(".schema tasks") == .schema(table: "tasks"))
        #expect(try DotCommand.parse(".mode jsonl") == .mode(.jsonl))
        #expect(try DotCommand.parse(".headers off") == .headers(false))
        #expect(try DotCommand.parse(".output /tmp/x") == .output(path: "/tmp/x"))
        #expect(try DotCommand.parse(".output") == .output(path: nil))
        #expect(try DotCommand.parse(".timer on") == .timer(true))
        #expect(try DotCommand.parse(".exit") == .quit)
        #expect(try DotCommand.parse(".query ps") == .query(name: "ps"))
    }

    @Test func anUnknownModeSaysWhatIsAllowed() {
        #expect(throws: DotCommand.ParseError.badArgument(command: ".mode", usage: ".mode table|csv|json|jsonl|line")) {
            try DotCommand.parse(".mode box")
        }
    }

    @Test func anUnknownCommandIsReported() {
        #expect(throws: DotCommand.ParseError.unknown(".frobnicate")) { try DotCommand.parse(".frobnicate now") }
    }

    @Test func theTimerPrintsSqliteStyleTimes() {
        #expect(RunTimer.fixed3(0.0123) == "0.012")
        #expect(RunTimer.fixed3(1.5) == "1.500")
        #expect(RunTimer().report().hasPrefix("Run Time: real 0.0"))
    }
}
