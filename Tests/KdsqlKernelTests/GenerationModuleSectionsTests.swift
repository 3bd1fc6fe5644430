import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlKernel

/// Module section addresses and build IDs on every configured kernel
/// generation: `mod->sect_attrs` changed layout in 6.14 (ModuleSections),
/// and the `.text` address it gives must be the load address the guest's
/// /proc/modules printed (truth/proc-modules.txt), for every module.
@Suite struct GenerationModuleSectionsTests {
    /// name → load address from /proc/modules (`name size refs deps state 0xADDR`).
    static func procModules(_ set: String) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in try Fixtures.text(try Fixtures.path(set, "truth/proc-modules.txt")).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, let last = fields.last, last.hasPrefix("0x"), let a = UInt64(last.dropFirst(2), radix: 16) else { continue }
            out[String(fields[0])] = a
        }
        return out
    }

    @Test(arguments: Fixtures.generations)
    func textSectionOfEveryModuleIsWhereProcModulesSaidItWasLoaded(_ g: KernelGeneration) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(g.sysrq, g.dump))
        let expected = try Self.procModules(g.sysrq)
        #expect(expected.count >= 5, "\(g)")
        let walker = try Modules(kernel: kernel)
        let sections = try ModuleSections(kernel: kernel)
        var seen = 0
        for module in try walker.all() {
            guard let base = expected[module.name] else { continue }
            let list = try sections.sections(of: module.address)
            #expect(list.first { $0.name == ".text" }?.address == base, "\(g) \(module.name): \(list)")
            #expect(list.contains { $0.name == ".gnu.linkonce.this_module" && $0.address == module.address }, "\(g) \(module.name)")
            let id = try #require(try sections.buildID(sections: list), "\(g) \(module.name)")
            #expect(id.count == 40 && id.allSatisfy(\.isHexDigit), "\(g) \(module.name): \(id)")
            seen += 1
        }
        #expect(seen == expected.count, "\(g): \(seen) of \(expected.count) modules")
    }
}
