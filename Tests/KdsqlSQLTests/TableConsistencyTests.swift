import Testing
import KdsqlSQL

@Suite("Definitions and implementations agree")
struct TableConsistencyTests {
    /// Bindings are generated from Grammar/tables, so a definition without an
    /// implementation, or a column without a getter, does not compile; what
    /// remains to check at run time is that every definition is registered.
    @Test func everyBuiltinDefinitionIsRegistered() throws {
        let db = try KdsqlDatabase()
        #expect(db.definitions.tables.map(\.name).sorted() == (try DefinitionSet.builtin()).tables.map(\.name).sorted())
        #expect(db.definitions.tables.count >= 28)
    }

    @Test func aBindingFromAnotherDefinitionIsRefusedAtRegistration() {
        let error = #expect(throws: TableMismatch.self) {
            try KdsqlDatabase(extraDefinitions: [NumbersTable.definition], extraTables: [.table(MismatchedTable.self)])
        }
        #expect(error?.description.contains("1 columns, the definition 6") == true)
    }

    @Test func definitionExamplesAreValidSQL() throws {
        // Every example must at least prepare (tables without a dump fail
        // only when stepped), so the reference never shows broken SQL.
        let db = try numbersDatabase()
        for table in db.definitions.tables {
            for example in table.examples {
                do {
                    _ = try db.query("EXPLAIN " + example.sql)
                } catch {
                    Issue.record("\(table.name) example does not prepare: \(example.sql): \(error)")
                }
            }
        }
    }
}

@Suite("Scalar functions")
struct ScalarFunctionTests {
    @Test func hexIsLowercaseWithPrefix() throws {
        #expect(try numbersDatabase().query("SELECT kd_hex(255), kd_hex(0)") == [[.text("0xff"), .text("0x0")]])
    }

    @Test func hexShowsNegativeAsUnsigned64Bit() throws {
        let db = try numbersDatabase()
        #expect(try db.query("SELECT kd_hex(-1)") == [[.text("0xffffffffffffffff")]])
        #expect(try db.query("SELECT kd_hex(0xffffffff81000000)") == [[.text("0xffffffff81000000")]])
    }

    @Test func hexOfNullIsNull() throws {
        #expect(try numbersDatabase().query("SELECT kd_hex(NULL)") == [[.null]])
    }

    @Test func hexOfNonNumberIsAnError() throws {
        let error = #expect(throws: SQLError.self) { try numbersDatabase().query("SELECT kd_hex('abc')") }
        #expect(error?.message.contains("kd_hex(): expected an integer") == true)
    }

    @Test func hexWorksOnTableColumns() throws {
        #expect(try numbersDatabase().query("SELECT kd_hex(value * 16) FROM numbers(2)") == [[.text("0x10")], [.text("0x20")]])
    }
}
