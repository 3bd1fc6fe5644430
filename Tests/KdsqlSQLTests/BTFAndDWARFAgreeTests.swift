import Testing
import FixtureSupport
import KdsqlDebugInfo
import KdsqlMemory
import KdsqlSQL

/// The kernel's BTF (read from the dump) and the DWARF of its debug vmlinux
/// describe the same build, so every struct kdsql reads must have the same
/// size and member offsets in both. "Every struct kdsql reads" is measured,
/// not listed: every table is scanned with BTF types, and the types and
/// member paths the walkers resolved on the way are then compared.
@Suite(.serialized) struct BTFAndDWARFAgreeTests {
    /// A BTF kernel after `SELECT *` on every table, and a DWARF kernel of the same dump.
    static func kernels(_ set: String) throws -> (btf: Kernel, dwarf: Kernel) {
        if let both = opened[set] { return both }
        let both = try open(set)
        opened[set] = both
        return both
    }

    /// Scanning every table takes seconds; the suite is serialized, so its
    /// tests share one pair of kernels per set.
    nonisolated(unsafe) static var opened: [String: (btf: Kernel, dwarf: Kernel)] = [:]

    static func open(_ set: String) throws -> (btf: Kernel, dwarf: Kernel) {
        let path = try Fixtures.compressedDump(set)
        let btf = try Kernel.open(path: path, options: .init(typeSource: .btf))
        let db = try KdsqlDatabase(context: ConnectionContext(kernel: btf))
        for table in db.definitions.tables {
            _ = try? db.query("SELECT * FROM \(table.name)")
        }
        let vmlinux = try Fixtures.debugVmlinux(release: try Fixtures.kernelRelease(set))
        let dwarf = try Kernel.open(path: path, options: .init(vmlinuxPath: vmlinux, typeSource: .dwarf))
        return (btf, dwarf)
    }

    /// Members with anonymous structs/unions flattened: name path, bit
    /// offset, bit size, byte size of the member's type.
    static func layout(_ types: any TypeInfo, _ id: TypeID, prefix: String = "", base: Int = 0) -> [String] {
        types.members(of: types.resolved(id)).flatMap { m -> [String] in
            if m.name.isEmpty {
                return layout(types, m.type, prefix: prefix, base: base + m.bitOffset)
            }
            return ["\(prefix)\(m.name) @\(base + m.bitOffset) bits:\(m.bitSize) size:\(types.size(of: m.type).map(String.init) ?? "-")"]
        }
    }

    /// The struct or union a type is, through typedefs, qualifiers,
    /// pointers and arrays (`struct list_head *` -> `struct list_head`).
    static func structSpelling(_ types: any TypeInfo, _ id: TypeID) -> String? {
        var t = types.resolved(id)
        for _ in 0..<8 {
            switch types.shape(of: t) {
            case .pointer(let to), .array(let to, _): t = types.resolved(to)
            case .structure(let name?, _): return "struct " + name
            case .union(let name?, _): return "union " + name
            default: return nil
            }
        }
        return nil
    }

    /// Every named struct or union kdsql read: looked up by name, or the
    /// type of a member path it resolved.
    static func structsRead(_ kernel: Kernel) throws -> Set<String> {
        let types = try kernel.types()
        var spellings = Set<String>()
        for spelling in kernel.typesLookedUp {
            if let s = structSpelling(types, try kernel.type(spelling)) { spellings.insert(s) }
        }
        for (type, path) in kernel.fieldsLookedUp {
            if let s = structSpelling(types, try kernel.field(type, path).type) { spellings.insert(s) }
        }
        return spellings
    }

    /// The two kernel generations with a -dbg vmlinux in the fixtures.
    static let sets = [Fixtures.sysrq, "linux-6.12-cloud-amd64"]

    @Test(arguments: sets)
    func everyStructKdsqlReadsHasTheSameSizeAndMemberOffsets(set: String) throws {
        let (btf, dwarf) = try Self.kernels(set)
        let btfTypes = try btf.types(), dwarfTypes = try dwarf.types()
        #expect(dwarfTypes is DwarfTypeInfo)
        let structs = try Self.structsRead(btf)
        for spelling in structs.sorted() {
            let b = try btf.type(spelling)
            let d = try dwarf.type(spelling)
            #expect(btfTypes.size(of: b) == dwarfTypes.size(of: d), "size of \(spelling)")
            let fromBTF = Self.layout(btfTypes, b), fromDWARF = Self.layout(dwarfTypes, d)
            #expect(fromBTF == fromDWARF, "members of \(spelling): BTF-only \(Set(fromBTF).subtracting(fromDWARF).sorted()), DWARF-only \(Set(fromDWARF).subtracting(fromBTF).sorted())")
        }
        // The walkers of every table read 104 structs on this kernel today;
        // far fewer means the tables did not run and nothing of substance was compared.
        #expect(structs.count >= 100, "only \(structs.count) structs compared")
    }

    @Test(arguments: sets)
    func everyMemberPathKdsqlReadsResolvesToTheSamePlace(set: String) throws {
        let (btf, dwarf) = try Self.kernels(set)
        let fields = btf.fieldsLookedUp
        // 363 member paths today; far fewer means the tables did not run.
        #expect(fields.count >= 350, "only \(fields.count) member paths resolved")
        for (type, path) in fields {
            let b = try btf.field(type, path)
            let d = try dwarf.field(type, path)
            #expect(b.offset == d.offset && b.size == d.size && b.bitShift == d.bitShift && b.bitSize == d.bitSize,
                    "\(type).\(path): BTF offset \(b.offset) size \(b.size) bits \(b.bitShift)+\(b.bitSize), DWARF offset \(d.offset) size \(d.size) bits \(d.bitShift)+\(d.bitSize)")
        }
    }

    @Test(arguments: sets)
    func enumeratorsKdsqlReadsHaveTheSameValues(set: String) throws {
        let (btf, dwarf) = try Self.kernels(set)
        var compared = 0
        for spelling in btf.typesLookedUp where spelling.hasPrefix("enum ") {
            let b = try btf.types().enumerators(of: try btf.type(spelling))
            let d = try dwarf.types().enumerators(of: try dwarf.type(spelling))
            #expect(b.map(\.name) == d.map(\.name) && b.map(\.value) == d.map(\.value), "\(spelling)")
            compared += 1
        }
        #expect(compared >= 3)
    }
}
