import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The ORC tables read from the dump.
@Suite struct OrcTableTests {
    static func tables() throws -> OrcUnwindTables {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        return try OrcUnwindTables(kernel: kernel, modules: try ModuleSymbols(kernel: kernel))
    }

    @Test func blockIndexLookupAgreesWithASearchOfTheWholeTable() throws {
        let tables = try Self.tables()
        let lookup = try #require(tables.lookup)
        var checked = 0
        // Every 4 KiB of core text plus odd offsets: the orc_lookup[] block
        // index built at boot must narrow the search to the same entry.
        for ip in stride(from: lookup.start, to: lookup.stop, by: 4093) {
            let fast = try tables.lookupUncached(ip)
            let slow = try tables.vmlinux.find(ip, kernel: tables.kernel).map { try tables.entry(tables.vmlinux, $0) }
            #expect(fast == slow, "ip \(hex(ip))")
            checked += 1
        }
        #expect(checked > 1000)
    }

    @Test func everyLoadedModuleBringsItsOwnORCTable() throws {
        let tables = try Self.tables()
        let modules = try #require(tables.modules)
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv").compactMap { $0["name"] }
        #expect(Set(modules.modules.map(\.name)) == Set(truth))
        for m in modules.modules {
            let table = try #require(tables.moduleTable(m), "\(m.name) has no ORC table")
            #expect(table.count > 0, "\(m.name)")
            let text = try #require(m.regions.first { $0.textSize > 0 && !$0.isInit })
            // The module's first function has a rule from its own table.
            #expect(try tables.find(text.base + 1) != nil, "\(m.name)")
        }
    }

    @Test func moduleTextIsNamedFromTheModulesOwnSymbols() throws {
        let tables = try Self.tables()
        let modules = try #require(tables.modules)
        // truth/modules.csv gives each module's load address = its core text base.
        for row in try Fixtures.truthCSV(Fixtures.sysrq, "modules.csv") {
            let name = try #require(row["name"]), address = try #require(row["address"])
            let base = try #require(UInt64(address.hasPrefix("0x") ? String(address.dropFirst(2)) : address, radix: 16))
            let m = try #require(tables.moduleText(containing: base))
            #expect(m.name == name)
            let s = try #require(modules.symbolize(base), "no symbol at \(name)'s text base")
            #expect(s.module == name && s.offset == 0)
        }
    }
}
