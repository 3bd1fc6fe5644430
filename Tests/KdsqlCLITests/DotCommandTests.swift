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
        #expect(try DotCommand.parse(".exit") == .exit(status: 0))
        #expect(try DotCommand.parse(".exit 3") == .exit(status: 3))
        #expect(try DotCommand.parse(".quit") == .exit(status: 0))
        #expect(try DotCommand.parse(".mode") == .mode(nil))
        #expect(try DotCommand.parse(".headers") == .headers(nil))
        #expect(try DotCommand.parse(".once out.csv") == .once(path: "out.csv"))
        #expect(try DotCommand.parse(".bail on") == .bail(true))
        #expect(try DotCommand.parse(".show") == .show)
        #expect(try DotCommand.parse(".parameter set :pid 212") == .parameterSet(name: "pid", value: "212"))
        #expect(try DotCommand.parse(".parameter set :s 'a  b'") == .parameterSet(name: "s", value: "'a  b'"))
        #expect(try DotCommand.parse(".parameter list") == .parameterList)
        #expect(try DotCommand.parse(".parameter clear") == .parameterClear)
        #expect(try DotCommand.parse(".query ps") == .query(name: "ps"))
    }

    @Test func quotedFileArgumentsKeepTheirBlanks() throws {
        #expect(try DotCommand.parse(".output 'my results.csv'") == .output(path: "my results.csv"))
        #expect(try DotCommand.parse(".read \"a b/q.sql\"") == .read(path: "a b/q.sql"))
        #expect(try DotCommand.parse(".once 'it''s.csv'") == .once(path: "it's.csv"))
        #expect(throws: DotCommand.ParseError.self) { try DotCommand.parse(".output 'open") }
    }

    @Test func anUnknownModeSaysWhatIsAllowed() {
        #expect(throws: DotCommand.ParseError.badArgument(command: ".mode", usage: ".mode [table|csv|json|jsonl|line]")) {
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
