import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// `modules` and `module_symbols` through SQL, against truth/modules.csv and
/// the Oops fixture's console.
@Suite("modules and module_symbols tables")
struct ModulesTablesTests {
    static func database(_ set: String, _ file: String) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(set, file))))
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func modulesTableEqualsProcModules(file: String) throws {
        let db = try Self.database(Fixtures.sysrq, file)
        let rows = try db.query("SELECT name, size, refcount, used_by, proc_state, base, taint FROM modules")
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv").map { t -> [SQLValue] in
            [.text(t["name"]!), .integer(Int64(t["size"]!)!), .integer(Int64(t["refcount"]!)!), .text(t["used_by"]!),
             .text(t["state"]!), .address(UInt64(t["address"]!.dropFirst(2), radix: 16)!), .text(t["taint"]!)]
        }
        #expect(truth.count == 10)
        #expect(rows == truth)
    }

    @Test func moduleNameLookupReturnsThatModuleOnly() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let virtio = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv").first { $0["name"] == "virtio" })
        #expect(try db.query("SELECT refcount, used_by FROM modules WHERE name = 'virtio'")
                == [[.integer(Int64(virtio["refcount"]!)!), .text(virtio["used_by"]!)]])
        #expect(try db.query("SELECT count(*) FROM modules WHERE name = 'no_such_module'") == [[.integer(0)]])
    }

    /// RIP = the `Unable to access opcode bytes at X` address + 42 (README),
    /// printed as kdsql_oops_write+0x5: the symbol sits 5 bytes before it.
    @Test func oopsFunctionIsAModuleSymbolAtTheConsolesRIPMinusItsOffset() throws {
        let db = try Self.database(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let console = try Fixtures.truth(Fixtures.oops, "console-panic.txt")
        let code = try #require(console.split(separator: "\n").first { $0.contains("Unable to access opcode bytes at 0x") })
        let hex = try #require(code.split(separator: "at 0x").last).prefix { $0.isHexDigit }
        let x = try #require(UInt64(hex, radix: 16))
        let rows = try db.query("SELECT module, address, lower(type) FROM module_symbols WHERE name = 'kdsql_oops_write'")
        #expect(rows == [[.text("kdsql_oops"), .address(x + 42 - 5), .text("t")]])
        #expect(try db.query("SELECT state, taint FROM modules WHERE name = 'kdsql_oops'") == [[.text("COMING"), .text("OE")]])
    }

    @Test func moduleSymbolsFilteredByModuleBelongToIt() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let rows = try db.query("SELECT module, address FROM module_symbols WHERE module = 'dummy' AND is_defined")
        #expect(!rows.isEmpty)
        #expect(rows.allSatisfy { $0[0] == .text("dummy") })
        // Every defined symbol lies in dummy's memory, which starts at its truth load address.
        let dummy = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv").first { $0["name"] == "dummy" })
        let base = try #require(UInt64(dummy["address"]!.dropFirst(2), radix: 16))
        let size = try #require(try db.query("SELECT size FROM modules WHERE name = 'dummy'").first?[0].uint64)
        for r in rows {
            let a = try #require(r[1].uint64)
            #expect(a >= base && a < base + 4 * size, "0x\(String(a, radix: 16))")
        }
    }
}

extension ModulesTablesTests {
    /// dummy creates `numdummies` devices; truth/netdevs.csv lists them.
    @Test func modulesShowDummysParameterAsSysfsWould() throws {
        let db = try Self.database(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump")
        let devices = try Fixtures.truthCSV(Fixtures.sysrq, "netdevs.csv").filter { $0["name"]!.hasPrefix("dummy") }.count
        #expect(try db.query("SELECT parameters FROM modules WHERE name = 'dummy'") == [[.text("numdummies=\(devices)")]])
    }
}
