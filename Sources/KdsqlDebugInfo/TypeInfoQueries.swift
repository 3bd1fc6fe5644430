/// Derived questions about types, answered the same way for every TypeInfo
/// source: strip typedefs and qualifiers, size, C spelling, member search
/// through anonymous structs/unions.
extension TypeInfo {
    /// Follows typedefs and qualifiers to the underlying type (bounded, so a
    /// corrupt typedef loop cannot hang).
    public func resolved(_ id: TypeID) -> TypeID {
        var current = id
        for _ in 0..<64 {
            switch shape(of: current) {
            case .typedef(_, let to), .qualifier(_, let to): current = to
            default: return current
            }
        }
        return current
    }

    /// Size in bytes, nil for void, functions and incomplete types, and for
    /// an array whose element chain loops or whose size overflows (both only
    /// in corrupt type info).
    public func size(of id: TypeID) -> Int? { size(of: id, depth: 0) }

    private func size(of id: TypeID, depth: Int) -> Int? {
        guard depth < Self.nestingLimit else { return nil }
        switch shape(of: resolved(id)) {
        case .integer(_, let size, _, _, _), .float(_, let size), .structure(_, let size),
             .union(_, let size), .enumeration(_, let size, _):
            return size
        case .pointer: return 8
        case .array(let element, let count):
            guard let e = size(of: element, depth: depth + 1) else { return nil }
            let (total, overflow) = e.multipliedReportingOverflow(by: count)
            return overflow ? nil : total
        default: return nil
        }
    }

    /// How deep a type may nest (array of array, pointer to pointer, anonymous
    /// member in anonymous member) before it is taken for a reference loop.
    /// Real kernels nest a handful of levels; corrupt BTF or DWARF can point
    /// a type at itself.
    static var nestingLimit: Int { 64 }

    /// The C spelling of a type: `struct task_struct *`, `char [16]`, `u64`.
    /// A reference loop (corrupt type info) is spelled `<loop>` where it closes.
    public func name(of id: TypeID) -> String { name(of: id, depth: 0) }

    private func name(of id: TypeID, depth: Int) -> String {
        guard depth < Self.nestingLimit else { return "<loop>" }
        switch shape(of: id) {
        case .void: return "void"
        case .integer(let name, _, _, _, _), .float(let name, _): return name
        case .pointer(let to): return name(of: to, depth: depth + 1) + " *"
        case .array(let of, let count): return "\(name(of: of, depth: depth + 1)) [\(count)]"
        case .structure(let n, _): return "struct " + (n ?? "<anonymous>")
        case .union(let n, _): return "union " + (n ?? "<anonymous>")
        case .enumeration(let n, _, _): return "enum " + (n ?? "<anonymous>")
        case .forward(let n, let isUnion): return (isUnion ? "union " : "struct ") + n
        case .typedef(let n, _): return n
        case .qualifier(let kind, let to): return "\(kind) \(name(of: to, depth: depth + 1))"
        case .function(let n): return n.map { "function \($0)" } ?? "function"
        case .other(let kind): return kind
        }
    }

    /// Looks a type up by its C spelling: `struct task_struct`, `union thread_union`,
    /// `enum pid_type`, or a bare name (typedef, struct, ...).
    public func findType(spelled spelling: String) -> TypeID? {
        let s = spelling.trimmingSpaces
        if s.hasPrefix("struct ") { return findType(named: String(s.dropFirst(7)).trimmingSpaces, kind: .structure) }
        if s.hasPrefix("union ") { return findType(named: String(s.dropFirst(6)).trimmingSpaces, kind: .union) }
        if s.hasPrefix("enum ") { return findType(named: String(s.dropFirst(5)).trimmingSpaces, kind: .enumeration) }
        return findType(named: s, kind: .any)
    }

    /// Finds a direct or anonymous-nested member by name. The returned member's
    /// bitOffset is relative to `container` (anonymous levels added up).
    public func member(of container: TypeID, named name: String) -> TypeMember? {
        var budget = Self.anonymousVisitBudget
        return member(of: container, named: name, depth: 0, budget: &budget)
    }

    private func member(of container: TypeID, named name: String, depth: Int, budget: inout Int) -> TypeMember? {
        guard depth < Self.nestingLimit else { return nil }
        for m in members(of: resolved(container)) {
            budget -= 1
            guard budget > 0 else { return nil }
            if m.name == name { return m }
            if m.name.isEmpty, var inner = member(of: m.type, named: name, depth: depth + 1, budget: &budget) {
                inner.bitOffset += m.bitOffset
                return inner
            }
        }
        return nil
    }

    /// All member names reachable without a dot (anonymous members flattened);
    /// used to suggest the right spelling when a lookup fails.
    public func memberNames(of container: TypeID) -> [String] {
        var budget = Self.anonymousVisitBudget
        var names: [String] = []
        collectMemberNames(of: container, depth: 0, budget: &budget, into: &names)
        return names
    }

    private func collectMemberNames(of container: TypeID, depth: Int, budget: inout Int, into names: inout [String]) {
        guard depth < Self.nestingLimit else { return }
        for m in members(of: resolved(container)) {
            budget -= 1
            guard budget > 0 else { return }
            if m.name.isEmpty {
                collectMemberNames(of: m.type, depth: depth + 1, budget: &budget, into: &names)
            } else {
                names.append(m.name)
            }
        }
    }

    /// How many members one flattening may visit. task_struct flattens to a
    /// few hundred; corrupt type info whose anonymous members fan out to
    /// each other again could otherwise take exponential time.
    static var anonymousVisitBudget: Int { 1 << 16 }

    /// Suggestion for a misspelled or renamed member: the member whose name
    /// contains the wanted one or is contained in it (`state` -> `__state`).
    public func suggestMember(of container: TypeID, near wanted: String) -> String? {
        let names = memberNames(of: container)
        return names.first { $0.hasSuffix(wanted) || $0.hasPrefix(wanted) || wanted.hasSuffix($0) && $0.count > 2 }
            ?? names.first { $0.contains(wanted) }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
