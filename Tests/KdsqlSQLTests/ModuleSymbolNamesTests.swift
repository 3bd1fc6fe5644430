import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlKernel
import KdsqlSQL

/// Addresses inside loaded modules are named through the modules' own
/// kallsyms everywhere a table names an address (symbols, net_devices.driver,
/// timers and hrtimers functions), not only by kd_symbol(); vmlinux's last
/// symbol never claims them.
@Suite struct ModuleSymbolNamesTests {
    static func database(_ set: String, _ file: String) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(set, file))))
    }

    /// The truth's range of a loaded module (modules.csv: name, size, ..., address).
    static func moduleRange(_ name: String) throws -> Range<UInt64> {
        let row = try #require(try Fixtures.truthCSV(Fixtures.views, "modules.csv").first { $0["name"] == name })
        let address = try #require(row["address"]), size = try #require(row["size"])
        let base = try #require(UInt64(address.dropFirst(2), radix: 16))
        let length = try #require(UInt64(size))
        return base..<(base + length)
    }

    @Test func symbolsRowsOfModuleSymbolsNameTheirModule() throws {
        let db = try Self.database(Fixtures.views, "vmcore-mdf-d31-zlib.kdump")
        let rows = try db.query("SELECT module, address FROM symbols WHERE name = 'dummy_netdev_ops'")
        #expect(rows.count == 1)
        #expect(rows.first?[0] == .text("dummy"))
        if case .integer(let a)? = rows.first?[1] {
            #expect(try Self.moduleRange("dummy").contains(UInt64(bitPattern: a)))
        } else {
            Issue.record("no address for dummy_netdev_ops: \(rows)")
        }
        #expect(try db.query("SELECT module FROM symbols WHERE name = 'panic'") == [[.null]])
        // Every module in the truth has symbols in the table.
        for m in try Fixtures.truthCSV(Fixtures.views, "modules.csv").compactMap({ $0["name"] }) {
            let n = try db.query("SELECT count(*) FROM symbols WHERE module = '\(m)'")
            #expect(n.first?.first != .integer(0), "no symbols of \(m)")
        }
    }

    @Test func symbolsStayInAddressOrderWithModuleSymbolsLast() throws {
        let db = try Self.database(Fixtures.views, "vmcore-mdf-d31-zlib.kdump")
        let rows = try db.query("SELECT module IS NOT NULL FROM symbols WHERE address >= (SELECT address FROM symbols WHERE name = '_end') ORDER BY address")
        #expect(rows.contains([.integer(1)]))
        // Addresses are signed in SQL: per-CPU offsets (small, positive) come
        // first, then the kernel image and the modules (all negative).
        let unordered = try db.query("SELECT count(*) FROM (SELECT address, lag(address) OVER () AS prev FROM symbols) WHERE prev < 0 AND prev > address")
        #expect(unordered == [[.integer(0)]])
    }

    /// drivers/net/dummy.c and veth.c: virtual devices without a parent
    /// device are named by their `netdev_ops` table, a module's symbol.
    @Test func netDevicesNameAModulesOpsTableWithItsModule() throws {
        let db = try Self.database(Fixtures.views, "vmcore-mdf-d31-zlib.kdump")
        let rows = try db.query("SELECT name, driver FROM net_devices WHERE name IN ('dummy0', 'veth0') ORDER BY name")
        #expect(rows == [[.text("dummy0"), .text("dummy_netdev_ops [dummy]")], [.text("veth0"), .text("veth_netdev_ops [veth]")]])
    }

    /// What timers.function and hrtimers.function use: a module function as
    /// `name+0xoff [module]`, nothing for addresses outside every known range.
    @Test(arguments: [(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"), (Fixtures.oops612, Fixtures.dump612)].map(\.0))
    func moduleFunctionsAreNamedWithTheirModule(set: String) throws {
        let file = set == Fixtures.oops ? "vmcore-mdf-d31-zlib.kdump" : Fixtures.dump612
        let kernel = try Kernel.open(path: try Fixtures.path(set, file))
        let names = KernelSession(kernel: kernel).addressNames()
        let write = try #require(try names.modules?.all().first { $0.name == "kdsql_oops_write" })
        #expect(names.describe(write.address) == "kdsql_oops_write [kdsql_oops]")
        #expect(names.describe(write.address + 5) == "kdsql_oops_write+0x5 [kdsql_oops]")
        #expect(names.exactName(write.address) == "kdsql_oops_write [kdsql_oops]")
        #expect(names.describe(0) == nil)
        let end = try kernel.address(of: "_end")
        #expect(names.describe(end + 0x1000_0000) == nil)
        #expect(names.describe(try kernel.address(of: "panic") + 5) == "panic+0x5")
    }
}
