import KdsqlMemory
import KdsqlDebugInfo

/// Values of kernel enumerators looked up by name in the dump's BTF, so that
/// bit numbers such as `__LINK_STATE_NOCARRIER` follow the dumped kernel
/// instead of a copy of its header.
extension Kernel {
    /// The value of `enumerator` in `enum enumName`, or `fallback` when the
    /// type info lacks the enum (the fallback is the value in v6.1 and must
    /// be cited where it is given).
    public func enumValue(_ enumName: String, _ enumerator: String, fallback: Int64) -> Int64 {
        guard let types = try? types(),
              let id = types.findType(named: enumName, kind: .enumeration),
              let hit = types.enumerators(of: id).first(where: { $0.name == enumerator }) else { return fallback }
        return hit.value
    }
}
