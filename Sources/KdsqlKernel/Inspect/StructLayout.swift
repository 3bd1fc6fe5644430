import KdsqlMemory
import KdsqlDebugInfo

/// The members of a struct or union flattened into dotted paths, crash's
/// `struct -o`: every member that is not itself a struct or union, in
/// layout order, with the path that reaches it (`se.load.weight`). Members of
/// anonymous structs and unions appear under their own names, as C code
/// names them; arrays are one member each (a `char` array reads as text).
extension Kernel {
    public func flattenedMembers(of typeSpelling: String) throws -> [MemberAccessor] {
        let root = try userType(typeSpelling)
        let types = try types()
        switch types.shape(of: types.resolved(root)) {
        case .structure, .union: break
        default: throw MemberPathError.notAggregate(type: types.name(of: root), member: "*")
        }
        var out: [MemberAccessor] = []
        // Corrupt type info can make members fan out to the same structs again
        // and again; no real struct flattens to anything near this many members.
        var budget = 1 << 16
        // Paths are resolved through `accessor`, the same code kd_member uses,
        // so every row's value is exactly kd_member's.
        func walk(_ container: TypeID, _ prefix: String, depth: Int) throws {
            guard depth < 16 else { return }
            for m in types.members(of: types.resolved(container)) {
                budget -= 1
                guard budget > 0 else { return }
                let path = m.name.isEmpty ? prefix : (prefix.isEmpty ? m.name : prefix + "." + m.name)
                switch types.shape(of: types.resolved(m.type)) {
                case .structure, .union:
                    try walk(m.type, path, depth: depth + 1)
                default:
                    guard !m.name.isEmpty else { continue }
                    // Function pointers and the like still read as pointers;
                    // only members without a value (void, functions) are left out.
                    if let a = try? accessor(in: root, named: typeSpelling, try MemberPath.parse(path)) { out.append(a) }
                }
            }
        }
        try walk(root, "", depth: 0)
        return out
    }
}
