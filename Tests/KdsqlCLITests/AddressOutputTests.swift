import Foundation
import KdsqlSQL
import Testing
@testable import KdsqlCLI

/// Columns whose definition says `unit address` read as hex; JSON keeps
/// every integer exact. Run on the sample dump, whose truth gives the
/// panic task's address.
@Suite("Address output")
struct AddressOutputTests {
    /// The sample's panic task (truth/crash.txt, as the sys table reports it).
    func panicTask(_ database: KdsqlDatabase) throws -> UInt64 {
        try #require(try database.query("SELECT panic_task FROM sys").first?.first?.uint64)
    }

    @Test func tableOutputShowsAddressColumnsInHex() throws {
        let database = try sampleDatabase()
        let task = try panicTask(database)
        let text = try render("SELECT panic_task, panic_pid FROM sys", format: .table, on: database)
        #expect(text.split(separator: "\n").last?.hasPrefix("0x" + String(task, radix: 16)) == true)
    }

    @Test func lineOutputShowsAddressColumnsInHexThroughAliasesAndJoins() throws {
        let database = try sampleDatabase()
        let task = try panicTask(database)
        let text = try render("SELECT t.task AS t, t.pid FROM tasks t JOIN sys s ON s.panic_task = t.task", format: .line, on: database)
        #expect(text.contains("  t = 0x" + String(task, radix: 16) + "\n"))
    }

    @Test func expressionsOverAddressesStayDecimal() throws {
        let database = try sampleDatabase()
        let task = try panicTask(database)
        let text = try render("SELECT panic_task + 0 AS sum FROM sys", format: .csv, on: database)
        #expect(text == "sum\n\(Int64(bitPattern: task))\n")
    }

    @Test func csvKeepsDecimalUnlessHexIsAsked() throws {
        let database = try sampleDatabase()
        let task = try panicTask(database)
        #expect(try render("SELECT panic_task FROM sys", format: .csv, on: database) == "panic_task\n\(Int64(bitPattern: task))\n")
        #expect(try render("SELECT panic_task FROM sys", format: .csv, hex: true, on: database) == "panic_task\n0x\(String(task, radix: 16))\n")
    }

    @Test func jsonWritesAddressesAsHexStrings() throws {
        let database = try sampleDatabase()
        let task = try panicTask(database)
        let json = try render("SELECT panic_task, panic_pid FROM sys", format: .jsonl, on: database)
        let pid = try #require(try database.query("SELECT panic_pid FROM sys").first?.first?.int64)
        #expect(json == "{\"panic_task\":\"0x\(String(task, radix: 16))\",\"panic_pid\":\(pid)}\n")
    }

    @Test func jsonWritesIntegersBeyondTwoToThe53AsStrings() throws {
        let json = try render("SELECT 9007199254740992 AS edge, 9007199254740993 AS over, -4611686022722359297 AS neg", format: .jsonl)
        #expect(json == "{\"edge\":9007199254740992,\"over\":\"9007199254740993\",\"neg\":\"-4611686022722359297\"}\n")
        let parsed = try python("import json,sys; r=json.loads(sys.stdin.read()); print(int(r['over']) - 1 == r['edge'])", input: json)
        #expect(parsed.stdout == "True\n")
    }

    @Test func jsonGivesRepeatedColumnNamesDistinctKeys() throws {
        let json = try render("SELECT 1 AS pid, 2 AS pid, 3 AS pid_2", format: .jsonl)
        #expect(json == "{\"pid\":1,\"pid_3\":2,\"pid_2\":3}\n")
    }
}
