import Testing
import FixtureSupport
@testable import KdsqlDump

@Suite struct ElfVmcoreTests {
    @Test func filteredElfHasVmcoreinfoAndTwoCpuNotes() throws {
        let dump = try DumpOpener.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        #expect(dump.format == .elf)
        #expect(dump.vmcoreinfo?.contains("OSRELEASE=6.1.0-56-cloud-amd64") == true)
        #expect(dump.notes.filter { $0.name == "CORE" && $0.type == ElfNote.ntPrstatus }.count == 2)
    }
}
