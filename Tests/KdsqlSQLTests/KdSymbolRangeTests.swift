import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// kd_symbol() answered every address past vmlinux's last symbol with
/// `__init_scratch_end+0x...` (module text included) and small numbers with
/// a per-CPU symbol. Module addresses now go through the modules' own
/// kallsyms, as the Oops prints them; anything outside a known range is NULL.
@Suite struct KdSymbolRangeTests {
    static let oopsSets = [(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump"), (Fixtures.oops612, Fixtures.dump612)]

    static func database(_ set: String, _ file: String) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(set, file))))
    }

    @Test(arguments: oopsSets.map(\.0))
    func aModuleFrameIsNamedAsTheOopsNamesIt(set: String) throws {
        let db = try Self.database(set, Self.oopsSets.first { $0.0 == set }!.1)
        let rip = try #require(try Fixtures.truth(set, "crash.txt").split(separator: "\n")
            .first { $0.hasPrefix("rip_line=RIP: 0010:") }).dropFirst("rip_line=RIP: 0010:".count)
        let rows = try db.query("SELECT kd_symbol(pc) FROM stack_frames WHERE module = 'kdsql_oops' ORDER BY pid, frame LIMIT 1")
        #expect(rows == [[.text(String(rip))]])
    }

    @Test(arguments: oopsSets.map(\.0))
    func addressesOutsideEveryKnownRangeAreNull(set: String) throws {
        let db = try Self.database(set, Self.oopsSets.first { $0.0 == set }!.1)
        #expect(try db.query("SELECT kd_symbol(0)") == [[.null]])
        #expect(try db.query("SELECT kd_symbol(4096)") == [[.null]])
        // Just past the kernel image: no module is loaded there.
        #expect(try db.query("SELECT kd_symbol(address + 0x10000000) FROM symbols WHERE name = '_end'") == [[.null]])
        #expect(try db.query("SELECT kd_symbol(address + 5) FROM symbols WHERE name = 'panic'") == [[.text("panic+0x5")]])
    }
}
