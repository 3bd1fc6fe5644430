import KdsqlMemory

/// Sizes of types as a C programmer spells them (`unsigned long`,
/// `struct page *`): base types through the member-path evaluator's
/// spellings (`Kernel.userType`), and every pointer 8 bytes on x86-64
/// without looking the pointed-to type up.
public enum CTypeSpelling {
    public static func size(of spelling: String, kernel: Kernel) throws -> Int {
        if spelling.split(separator: " ").joined(separator: " ").hasSuffix("*") { return 8 }
        let types = try kernel.types()
        let id = try kernel.userType(spelling)
        guard let size = types.size(of: id) else {
            throw MemoryError.typeMismatch("\(spelling) has no size (incomplete or function type)")
        }
        return size
    }
}
