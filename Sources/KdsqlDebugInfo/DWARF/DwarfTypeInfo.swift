import CDw
import Synchronization

/// Kernel type information from the DWARF of a debug vmlinux, read through
/// elfutils' libdw (DWARF 5, 2.4 "Data types" and 5 "Type entries").
///
/// A vmlinux has no type units: every compilation unit carries its own copy
/// of the types it uses (a 6.1 cloud kernel: 160 MB of .debug_info in ~2800
/// units). Indexing all of it, as drgn does on open, costs seconds; kdsql
/// needs a few dozen structs per query. So names are indexed lazily: a lookup
/// walks the top-level DIEs of one unit after the next, remembering every
/// named type it passes, and stops at the first complete definition of the
/// wanted name. The common kernel types are defined by the first units
/// (init/main.c includes most of the kernel's headers).
///
/// Type ids are handed out as DIEs are met (the `types` table enumerates them
/// after a full index). An array with several dimensions is one DIE with one
/// DW_TAG_subrange_type child per dimension; the id of a subrange DIE stands
/// for "the array from this dimension on", so `int a[2][3]` is an array of
/// 2 of (the second subrange's id), an array of 3 int.
public final class DwarfTypeInfo: TypeInfo, TypeCatalog, @unchecked Sendable {
    // @unchecked Sendable: libdw is not thread-safe; every call into it
    // happens inside `locked`.

    public let vmlinux: Vmlinux
    private let dwarf: OpaquePointer

    private enum Namespace: Int { case structure, union, enumeration, typedef, base }

    private struct State {
        /// Id -> DIE offset in .debug_info (entry 0, void, unused).
        var offsets: [UInt64] = [0]
        var ids: [UInt64: UInt32] = [:]
        /// Best DIE per name and namespace, with its rank (2: has members or
        /// is not a struct, 1: empty definition, 0: declaration).
        var names: [[String: (offset: UInt64, rank: Int)]] = Array(repeating: [:], count: 5)
        /// Global variables (DW_TAG_variable at the top of a unit): the
        /// definition (rank 2) or a declaration (1), which has the same type.
        var variables: [String: (offset: UInt64, rank: Int)] = [:]
        /// Offset of the next unit header not yet indexed; nil when all are.
        var nextUnit: UInt64? = 0
        var unitsIndexed = 0
        var memberCache: [UInt32: [TypeMember]] = [:]
        /// Ids 1...catalogCount are what the `types` table lists: fixed when
        /// every unit has been indexed, so that every scan sees the same rows
        /// (ids handed out later for DIEs reached through members are valid
        /// but not listed).
        var catalogCount: Int?
    }
    private let state = Mutex(State())

    /// Runs `body` holding the vmlinux's libdw lock (shared with the source
    /// lines of backtraces: libdw is not thread-safe) and this index's state.
    private func locked<T>(_ body: (inout State) -> T) -> T {
        vmlinux.libdw.withLock { _ in state.withLock { body(&$0) } }
    }

    public init(vmlinux: Vmlinux) throws {
        guard let dwarf = vmlinux.dwarf else {
            throw DebugInfoError.malformed(what: "vmlinux", detail: "\(vmlinux.path) has no DWARF debug info (.debug_info)")
        }
        self.vmlinux = vmlinux
        self.dwarf = dwarf
    }

    /// Compilation units whose top-level types are in the name index (for tests and stats).
    public var unitsIndexed: Int { locked { $0.unitsIndexed } }

    // MARK: - DIE access

    private func die(_ offset: UInt64) -> Dwarf_Die? {
        var d = Dwarf_Die()
        return dwarf_offdie(dwarf, Dwarf_Off(offset), &d) != nil ? d : nil
    }

    private func id(for offset: UInt64, _ s: inout State) -> TypeID {
        if let id = s.ids[offset] { return TypeID(id) }
        let id = UInt32(s.offsets.count)
        s.offsets.append(offset)
        s.ids[offset] = id
        return TypeID(id)
    }

    private func offset(of id: TypeID, _ s: State) -> UInt64? {
        let i = Int(id.raw)
        return i > 0 && i < s.offsets.count ? s.offsets[i] : nil
    }

    private static func name(_ d: inout Dwarf_Die) -> String? {
        dwarf_diename(&d).map { String(cString: $0) }
    }

    private static func unsigned(_ d: inout Dwarf_Die, _ attribute: Int) -> UInt64? {
        var a = Dwarf_Attribute()
        var v: Dwarf_Word = 0
        guard dwarf_attr_integrate(&d, UInt32(attribute), &a) != nil, dwarf_formudata(&a, &v) == 0 else { return nil }
        return UInt64(v)
    }

    private static func flag(_ d: inout Dwarf_Die, _ attribute: Int) -> Bool {
        var a = Dwarf_Attribute()
        var v = false
        guard dwarf_attr_integrate(&d, UInt32(attribute), &a) != nil, dwarf_formflag(&a, &v) == 0 else { return false }
        return v
    }

    /// The DIE DW_AT_type refers to, as an offset (nil: void).
    private static func typeReference(_ d: inout Dwarf_Die) -> UInt64? {
        var a = Dwarf_Attribute()
        var target = Dwarf_Die()
        guard dwarf_attr_integrate(&d, UInt32(DW_AT_type), &a) != nil, dwarf_formref_die(&a, &target) != nil else { return nil }
        return UInt64(dwarf_dieoffset(&target))
    }

    /// The type DW_AT_type refers to. A unit that only declares a struct
    /// (`struct files_struct;` in sched.h) refers to that declaration; the
    /// definition from another unit is used instead, as BTF's deduplication
    /// does, so that `task->files->fdt` can be followed.
    private func referencedType(_ d: inout Dwarf_Die, _ s: inout State) -> TypeID {
        guard let target = Self.typeReference(&d) else { return .void }
        guard var t = die(target), let name = Self.name(&t) else { return id(for: target, &s) }
        let space: Namespace
        switch Int(dwarf_tag(&t)) {
        case DW_TAG_structure_type: space = .structure
        case DW_TAG_union_type: space = .union
        case DW_TAG_enumeration_type: space = .enumeration
        default: return id(for: target, &s)
        }
        if Self.flag(&t, DW_AT_declaration) {
            return lookUp(name, in: [space], &s) ?? id(for: target, &s)
        }
        // Every unit has its own copy of a header's struct; like BTF's
        // dedup, references go to the one copy the name index chose (so a
        // type is listed and found once), when that copy has the same size
        // and member count (two .c files may each define a different
        // `struct entry`; those stay apart).
        if let winner = s.names[space.rawValue][name], winner.rank == 2, winner.offset != target, var w = die(winner.offset),
           Self.unsigned(&w, DW_AT_byte_size) == Self.unsigned(&t, DW_AT_byte_size), Self.childCount(&w) == Self.childCount(&t) {
            return id(for: winner.offset, &s)
        }
        return id(for: target, &s)
    }

    // MARK: - TypeInfo

    public var typeCount: Int {
        locked { s in
            indexAllUnits(&s)
            return s.catalogCount ?? 0
        }
    }

    public func shape(of id: TypeID) -> TypeShape {
        if id.raw == 0 { return .void }
        return locked { s in shape(of: id, &s) }
    }

    private func shape(of id: TypeID, _ s: inout State) -> TypeShape {
        guard let off = offset(of: id, s), var d = die(off) else { return .other(kind: "invalid type id \(id.raw)") }
        let tag = Int(dwarf_tag(&d))
        switch tag {
        case DW_TAG_base_type:
            let size = Int(Self.unsigned(&d, DW_AT_byte_size) ?? 0)
            let encoding = Int(Self.unsigned(&d, DW_AT_encoding) ?? 0)
            let name = Self.name(&d) ?? ""
            switch encoding {
            case DW_ATE_float: return .float(name: name, size: size)
            case DW_ATE_boolean: return .integer(name: name, size: size, signed: false, isChar: false, isBool: true)
            case DW_ATE_signed_char: return .integer(name: name, size: size, signed: true, isChar: true, isBool: false)
            case DW_ATE_unsigned_char: return .integer(name: name, size: size, signed: false, isChar: true, isBool: false)
            case DW_ATE_signed: return .integer(name: name, size: size, signed: true, isChar: false, isBool: false)
            default: return .integer(name: name, size: size, signed: false, isChar: false, isBool: false)
            }
        case DW_TAG_pointer_type, DW_TAG_reference_type:
            return .pointer(to: referencedType(&d, &s))
        case DW_TAG_structure_type, DW_TAG_union_type, DW_TAG_class_type:
            let isUnion = tag == DW_TAG_union_type
            let name = Self.name(&d)
            if Self.flag(&d, DW_AT_declaration) { return .forward(name: name ?? "", isUnion: isUnion) }
            let size = Int(Self.unsigned(&d, DW_AT_byte_size) ?? 0)
            return isUnion ? .union(name: name, size: size) : .structure(name: name, size: size)
        case DW_TAG_enumeration_type:
            let name = Self.name(&d)
            if Self.flag(&d, DW_AT_declaration) { return .forward(name: name ?? "", isUnion: false) }
            return .enumeration(name: name, size: Int(Self.unsigned(&d, DW_AT_byte_size) ?? 4), signed: enumIsSigned(&d))
        case DW_TAG_typedef:
            return .typedef(name: Self.name(&d) ?? "", to: referencedType(&d, &s))
        case DW_TAG_const_type: return .qualifier(kind: "const", to: referencedType(&d, &s))
        case DW_TAG_volatile_type: return .qualifier(kind: "volatile", to: referencedType(&d, &s))
        case DW_TAG_restrict_type: return .qualifier(kind: "restrict", to: referencedType(&d, &s))
        case DW_TAG_atomic_type: return .qualifier(kind: "_Atomic", to: referencedType(&d, &s))
        case DW_TAG_array_type:
            var sub = Dwarf_Die()
            guard dwarf_child(&d, &sub) == 0 else { return .array(of: referencedType(&d, &s), count: 0) }
            while Int(dwarf_tag(&sub)) != DW_TAG_subrange_type {
                var next = Dwarf_Die()
                guard dwarf_siblingof(&sub, &next) == 0 else { return .array(of: referencedType(&d, &s), count: 0) }
                sub = next
            }
            return arrayDimension(&sub, element: &d, &s)
        case DW_TAG_subrange_type:
            // One dimension of a multi-dimensional array (see the type comment).
            guard let parentOffset = parentArray(of: off), var parent = die(parentOffset) else { return .other(kind: "subrange") }
            return arrayDimension(&d, element: &parent, &s)
        case DW_TAG_subroutine_type: return .function(name: nil)
        case DW_TAG_subprogram: return .function(name: Self.name(&d))
        case DW_TAG_unspecified_type: return .void
        default:
            return .other(kind: dwarfTagName(tag))
        }
    }

    /// Array shape from one subrange: its count, and either the next
    /// subrange (another dimension) or the array's element type.
    private func arrayDimension(_ sub: inout Dwarf_Die, element array: inout Dwarf_Die, _ s: inout State) -> TypeShape {
        let count: Int
        if let c = Self.unsigned(&sub, DW_AT_count) {
            count = Int(c)
        } else if dwarf_hasattr(&sub, UInt32(DW_AT_upper_bound)) != 0 {
            var a = Dwarf_Attribute()
            var v: Dwarf_Sword = 0
            // A flexible array member ([]) has no bound; `[0]` has upper bound -1.
            if dwarf_attr(&sub, UInt32(DW_AT_upper_bound), &a) != nil, dwarf_formsdata(&a, &v) == 0 { count = max(0, Int(v) + 1) }
            else { count = 0 }
        } else {
            count = 0
        }
        var next = Dwarf_Die()
        var cursor = sub
        while dwarf_siblingof(&cursor, &next) == 0 {
            if Int(dwarf_tag(&next)) == DW_TAG_subrange_type {
                return .array(of: id(for: UInt64(dwarf_dieoffset(&next)), &s), count: count)
            }
            cursor = next
        }
        return .array(of: referencedType(&array, &s), count: count)
    }

    /// Subrange DIEs get ids only from arrayDimension, whose array is the
    /// DIE's parent; libdw has no parent pointer, so the array is found by
    /// walking its unit (rare: only inner dimensions of arrays).
    private var subrangeParents = [UInt64: UInt64]()

    private func parentArray(of subrange: UInt64) -> UInt64? {
        if let p = subrangeParents[subrange] { return p }
        guard var d = die(subrange) else { return nil }
        var cu = Dwarf_Die()
        guard dwarf_diecu(&d, &cu, nil, nil) != nil else { return nil }
        var found: UInt64?
        func walk(_ parent: inout Dwarf_Die) {
            var child = Dwarf_Die()
            guard dwarf_child(&parent, &child) == 0 else { return }
            repeat {
                let tag = Int(dwarf_tag(&child))
                if tag == DW_TAG_array_type {
                    var sub = Dwarf_Die()
                    if dwarf_child(&child, &sub) == 0 {
                        repeat {
                            if UInt64(dwarf_dieoffset(&sub)) == subrange { found = UInt64(dwarf_dieoffset(&child)); return }
                            var n = Dwarf_Die()
                            guard dwarf_siblingof(&sub, &n) == 0 else { break }
                            sub = n
                        } while true
                    }
                } else if dwarf_haschildren(&child) != 0, UInt64(dwarf_dieoffset(&child)) < subrange {
                    walk(&child)
                    if found != nil { return }
                }
                var n = Dwarf_Die()
                guard dwarf_siblingof(&child, &n) == 0 else { return }
                child = n
            } while found == nil
        }
        walk(&cu)
        if let found { subrangeParents[subrange] = found }
        return found
    }

    private static func childCount(_ d: inout Dwarf_Die) -> Int {
        var child = Dwarf_Die()
        guard dwarf_child(&d, &child) == 0 else { return 0 }
        var n = 1
        var next = Dwarf_Die()
        while dwarf_siblingof(&child, &next) == 0 { n += 1; child = next }
        return n
    }

    private func enumIsSigned(_ d: inout Dwarf_Die) -> Bool {
        // DWARF 3+: DW_AT_type names the underlying integer type.
        guard let u = Self.typeReference(&d), var base = die(u) else { return false }
        for _ in 0..<8 where Int(dwarf_tag(&base)) == DW_TAG_typedef {
            guard let next = Self.typeReference(&base), let n = die(next) else { return false }
            base = n
        }
        let encoding = Int(Self.unsigned(&base, DW_AT_encoding) ?? 0)
        return encoding == DW_ATE_signed || encoding == DW_ATE_signed_char
    }

    public func members(of id: TypeID) -> [TypeMember] {
        locked { s in
            if let cached = s.memberCache[id.raw] { return cached }
            guard let off = offset(of: id, s), var d = die(off) else { return [] }
            let tag = Int(dwarf_tag(&d))
            guard tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type else { return [] }
            var result: [TypeMember] = []
            var child = Dwarf_Die()
            if dwarf_child(&d, &child) == 0 {
                repeat {
                    if Int(dwarf_tag(&child)) == DW_TAG_member {
                        result.append(member(&child, &s))
                    }
                    var next = Dwarf_Die()
                    guard dwarf_siblingof(&child, &next) == 0 else { break }
                    child = next
                } while true
            }
            if s.memberCache.count >= 1024 { s.memberCache.removeAll(keepingCapacity: true) }
            s.memberCache[id.raw] = result
            return result
        }
    }

    /// One DW_TAG_member: byte offset from DW_AT_data_member_location (a
    /// constant; absent in unions), bitfields from DW_AT_data_bit_offset
    /// (DWARF 4+) or the DWARF 2 DW_AT_bit_offset counted from the most
    /// significant bit of a DW_AT_byte_size storage unit (little-endian here).
    private func member(_ m: inout Dwarf_Die, _ s: inout State) -> TypeMember {
        let type = referencedType(&m, &s)
        let bitSize = Int(Self.unsigned(&m, DW_AT_bit_size) ?? 0)
        var bitOffset: Int
        if let dataBitOffset = Self.unsigned(&m, DW_AT_data_bit_offset) {
            bitOffset = Int(dataBitOffset)
        } else {
            bitOffset = Int(Self.memberLocation(&m)) * 8
            if let msbOffset = Self.unsigned(&m, DW_AT_bit_offset) {
                let storage = Int(Self.unsigned(&m, DW_AT_byte_size) ?? 0) * 8
                bitOffset += storage - Int(msbOffset) - bitSize
            }
        }
        return TypeMember(name: Self.name(&m) ?? "", type: type, bitOffset: bitOffset, bitSize: bitSize)
    }

    private static func memberLocation(_ m: inout Dwarf_Die) -> UInt64 {
        var a = Dwarf_Attribute()
        guard dwarf_attr_integrate(&m, UInt32(DW_AT_data_member_location), &a) != nil else { return 0 }
        var v: Dwarf_Word = 0
        if dwarf_formudata(&a, &v) == 0 { return UInt64(v) }
        // DWARF 2 style: a location expression DW_OP_plus_uconst N.
        var ops: UnsafeMutablePointer<Dwarf_Op>?
        var count = 0
        if dwarf_getlocation(&a, &ops, &count) == 0, count == 1, let op = ops?.pointee, op.atom == UInt8(DW_OP_plus_uconst) {
            return UInt64(op.number)
        }
        return 0
    }

    public func enumerators(of id: TypeID) -> [(name: String, value: Int64)] {
        locked { s in
            guard let off = offset(of: id, s), var d = die(off), Int(dwarf_tag(&d)) == DW_TAG_enumeration_type else { return [] }
            let signed = enumIsSigned(&d)
            var result: [(name: String, value: Int64)] = []
            var child = Dwarf_Die()
            guard dwarf_child(&d, &child) == 0 else { return [] }
            repeat {
                if Int(dwarf_tag(&child)) == DW_TAG_enumerator {
                    var a = Dwarf_Attribute()
                    var value: Int64 = 0
                    if dwarf_attr(&child, UInt32(DW_AT_const_value), &a) != nil {
                        let form = Int(dwarf_whatform(&a))
                        if signed || form == DW_FORM_sdata || form == DW_FORM_implicit_const {
                            var v: Dwarf_Sword = 0
                            if dwarf_formsdata(&a, &v) == 0 { value = Int64(v) }
                        } else {
                            var v: Dwarf_Word = 0
                            if dwarf_formudata(&a, &v) == 0 { value = Int64(bitPattern: UInt64(v)) }
                        }
                    }
                    result.append((Self.name(&child) ?? "", value))
                }
                var next = Dwarf_Die()
                guard dwarf_siblingof(&child, &next) == 0 else { break }
                child = next
            } while true
            return result
        }
    }

    // MARK: - Name lookup

    /// Structs win over typedefs over unions over enums over base types for `.any`.
    public func findType(named name: String, kind: TypeKindFilter) -> TypeID? {
        let spaces: [Namespace]
        switch kind {
        case .structure: spaces = [.structure]
        case .union: spaces = [.union]
        case .enumeration: spaces = [.enumeration]
        case .typedef: spaces = [.typedef]
        case .integer: spaces = [.base]
        case .any: spaces = [.structure, .typedef, .union, .enumeration, .base]
        }
        return locked { s in lookUp(name, in: spaces, &s) }
    }

    private func lookUp(_ name: String, in spaces: [Namespace], _ s: inout State) -> TypeID? {
        do {
            // A complete definition may sit in a unit not yet indexed; keep
            // indexing until one is found or every unit has been seen.
            while true {
                for space in spaces {
                    if let hit = s.names[space.rawValue][name], hit.rank == 2 { return id(for: hit.offset, &s) }
                }
                guard s.nextUnit != nil else { break }
                indexNextUnit(&s)
            }
            for space in spaces {
                if let hit = s.names[space.rawValue][name] { return id(for: hit.offset, &s) }
            }
            return nil
        }
    }

    /// Adds the named types at the top level of the next unit to the index.
    private func indexNextUnit(_ s: inout State) {
        guard let unit = s.nextUnit else { return }
        var next: Dwarf_Off = 0
        var headerSize = 0
        guard dwarf_nextcu(dwarf, Dwarf_Off(unit), &next, &headerSize, nil, nil, nil) == 0 else {
            s.nextUnit = nil
            return
        }
        s.nextUnit = UInt64(next)
        s.unitsIndexed += 1
        var cu = Dwarf_Die()
        guard dwarf_offdie(dwarf, Dwarf_Off(unit) + Dwarf_Off(headerSize), &cu) != nil else { return }
        var child = Dwarf_Die()
        guard dwarf_child(&cu, &child) == 0 else { return }
        repeat {
            let tag = Int(dwarf_tag(&child))
            let space: Namespace?
            switch tag {
            case DW_TAG_structure_type: space = .structure
            case DW_TAG_union_type: space = .union
            case DW_TAG_enumeration_type: space = .enumeration
            case DW_TAG_typedef: space = .typedef
            case DW_TAG_base_type: space = .base
            default: space = nil
            }
            // A definition that follows an `extern` declaration is a nameless
            // DIE pointing at it (DW_AT_specification); its own DW_AT_type,
            // when present, is the completed one (`char linux_banner[N]`).
            var named: UnsafePointer<CChar>? = dwarf_diename(&child)
            if tag == DW_TAG_variable, named == nil {
                var a = Dwarf_Attribute()
                var spec = Dwarf_Die()
                if dwarf_attr(&child, UInt32(DW_AT_specification), &a) != nil, dwarf_formref_die(&a, &spec) != nil {
                    named = dwarf_diename(&spec)
                }
            }
            if tag == DW_TAG_variable, let raw = named, Self.typeReference(&child) != nil {
                let rank = Self.flag(&child, DW_AT_declaration) ? 1 : 2
                let name = String(cString: raw)
                if (s.variables[name]?.rank ?? 0) < rank { s.variables[name] = (UInt64(dwarf_dieoffset(&child)), rank) }
            }
            if let space, let raw = dwarf_diename(&child) {
                let rank: Int
                if Self.flag(&child, DW_AT_declaration) { rank = 0 }
                else if space == .structure || space == .union || space == .enumeration { rank = dwarf_haschildren(&child) != 0 ? 2 : 1 }
                else { rank = 2 }
                let name = String(cString: raw)
                if let existing = s.names[space.rawValue][name] {
                    if existing.rank < rank { s.names[space.rawValue][name] = (UInt64(dwarf_dieoffset(&child)), rank) }
                } else {
                    s.names[space.rawValue][name] = (UInt64(dwarf_dieoffset(&child)), rank)
                }
            }
            var nextDie = Dwarf_Die()
            guard dwarf_siblingof(&child, &nextDie) == 0 else { break }
            child = nextDie
        } while true
    }

    /// Indexes every unit and gives every indexed type an id, so that ids
    /// 1...typeCount enumerate one definition per name (the `types` table).
    private func indexAllUnits(_ s: inout State) {
        guard s.catalogCount == nil else { return }
        while s.nextUnit != nil { indexNextUnit(&s) }
        for space in s.names {
            for (_, hit) in space.sorted(by: { $0.value.offset < $1.value.offset }) { _ = id(for: hit.offset, &s) }
        }
        s.catalogCount = s.offsets.count - 1
    }

    // MARK: - TypeCatalog

    public func summary(of id: TypeID) -> TypeSummary {
        let shape = self.shape(of: id)
        let kind: String, name: String?
        switch shape {
        case .void: (kind, name) = ("void", "void")
        case .integer(let n, _, _, _, _): (kind, name) = ("int", n)
        case .float(let n, _): (kind, name) = ("float", n)
        case .pointer: (kind, name) = ("ptr", nil)
        case .array: (kind, name) = ("array", nil)
        case .structure(let n, _): (kind, name) = ("struct", n)
        case .union(let n, _): (kind, name) = ("union", n)
        case .enumeration(let n, _, _): (kind, name) = ("enum", n)
        case .forward(let n, _): (kind, name) = ("fwd", n)
        case .typedef(let n, _): (kind, name) = ("typedef", n)
        case .qualifier(let k, _): (kind, name) = (k, nil)
        case .function(let n): (kind, name) = ("func", n)
        case .other(let k): (kind, name) = (k, nil)
        }
        let sized: Bool
        switch shape {
        case .void, .function, .forward, .other: sized = false
        default: sized = true
        }
        return TypeSummary(id: id, kind: kind, name: name, size: sized ? size(of: id) : nil)
    }
}

/// DW_TAG_* spelled for `.other` shapes (libdw has no name table).
private func dwarfTagName(_ tag: Int) -> String {
    switch tag {
    case DW_TAG_variable: return "variable"
    case DW_TAG_member: return "member"
    case DW_TAG_formal_parameter: return "formal_parameter"
    case DW_TAG_subrange_type: return "subrange"
    default: return "dwarf_tag"
    }
}

extension DwarfTypeInfo: VariableTypes {
    /// The type of a global variable, from its DW_TAG_variable. Units are
    /// indexed until a definition is found (all of them for a name that is
    /// only declared, or unknown).
    public func variableType(named name: String) -> TypeID? {
        locked { s in
            while (s.variables[name]?.rank ?? 0) < 2, s.nextUnit != nil { indexNextUnit(&s) }
            guard let hit = s.variables[name], var d = die(hit.offset) else { return nil }
            return referencedType(&d, &s)
        }
    }
}
