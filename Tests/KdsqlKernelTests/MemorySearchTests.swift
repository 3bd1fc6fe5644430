import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Memory search reads only memory that exists: holes in the page tables
/// cost a table read per missing entry, never a probe per page or word.
@Suite struct MemorySearchTests {
    static func kernel(_ set: String = Fixtures.sysrq) throws -> Kernel {
        try Kernel.open(path: try Fixtures.path(set, "vmcore-mdf-d31-zlib.kdump"))
    }

    /// The kernel's page tables map nothing below the kernel half: the whole
    /// lower half and the non-canonical hole (2^64 - 2^47 ... bytes) are
    /// crossed without reading one data page.
    @Test func anUnmappedHalfOfTheAddressSpaceReadsNoPage() throws {
        let kernel = try Self.kernel()
        let search = try MemorySearch(kernel: kernel, space: .virtual(root: 0), start: 0, end: 0xffff_8000_0000_0000, value: 0)
        #expect(search.next() == nil)
        #expect(search.pagesScanned == 0 && search.pagesMissing == 0)
    }

    /// A run of mapped pages and a run of the dump's own page frames are
    /// found one page at a time; each match is an aligned word equal to the value.
    @Test func matchesAreAlignedWordsEqualToTheValue() throws {
        let kernel = try Self.kernel()
        let base = try kernel.address(of: "init_task")
        let next = base + (try kernel.field("struct task_struct", "tasks.next")).offset
        let value = try kernel.readU64(next)
        let search = try MemorySearch(kernel: kernel, space: .virtual(root: 0), start: base + 1, end: next + 8, value: value)
        var matches: [MemorySearch.Match] = []
        while let m = search.next() { matches.append(m) }
        #expect(matches.last == MemorySearch.Match(address: next, value: value))
        #expect(matches.allSatisfy { $0.address % 8 == 0 && $0.value == value && $0.address > base })
        #expect(search.pagesScanned >= 1)
    }

    /// makedumpfile -d 31 leaves out free and user pages: a physical search
    /// over all of RAM visits only the frames the dump holds.
    @Test func aPhysicalSearchVisitsOnlyTheDumpedFrames() throws {
        let kernel = try Self.kernel()
        let search = try MemorySearch(kernel: kernel, space: .physical, start: 0, end: 1 << 40, value: 0x4b44_5351_4c5f_4e4f)
        while search.next() != nil {}
        #expect(search.pagesScanned == kernel.dump.presentPageFrames().count)
        #expect(search.pagesMissing == 0)
    }
}
