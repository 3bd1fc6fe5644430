import KdsqlDebugInfo

/// Virtual-to-physical translation of one architecture: what the rest of
/// kdsql knows of page tables. x86_64 is `X86_64Translator`; another
/// architecture (arm64 next) is one more conformance, chosen in
/// `Kernel.makeTranslator`, plus an unwinder.
public protocol AddressTranslator: AnyObject {
    /// Bytes per base page.
    var pageSize: UInt64 { get }
    /// Physical address of the kernel's top-level page table.
    var kernelRoot: UInt64 { get }
    /// Physical address of `va` in the kernel's address space.
    func translate(_ va: UInt64) throws -> UInt64
    /// Physical address of `va` through an explicit top-level table (a
    /// task's page table, given as a physical address): user-space reads.
    func translate(_ va: UInt64, root: UInt64) throws -> UInt64
    /// Called once the kernel's symbols are known, for layout values the
    /// kernel keeps in variables (x86_64's randomized direct-map base).
    func learn(symbols: any SymbolTable)
}

extension AddressTranslator {
    /// Bytes from `va` to the end of its page.
    @inline(__always)
    public func bytesToPageEnd(_ va: UInt64) -> Int { Int(pageSize - (va & (pageSize - 1))) }
}
