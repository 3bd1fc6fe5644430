import KdsqlDebugInfo

/// `type_members`: members of structs and unions, anonymous structs/unions
/// flattened so that `task_struct.__state` appears under task_struct itself.
struct TypeMembersTable: VirtualTable {
    struct Row {
        var typeName: String
        /// bitOffset relative to the outermost container.
        var member: TypeMember
        var info: any TypeInfo
    }
    static let name = "type_members"
    static var columns: [String: Column<Row>] {
        [
            "type_name": .text { $0.typeName },
            "member": .text { $0.member.name },
            "offset": .integer { $0.member.bitOffset / 8 },
            "bit_offset": .integer { $0.member.bitOffset },
            "bit_size": .integer { $0.member.bitSize },
            "size": .integer { $0.info.size(of: $0.member.type) },
            "member_type": .text { $0.info.name(of: $0.member.type) },
        ]
    }
    static var estimatedRows: Double { 500_000 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let info = try context.typeInfo(neededBy: Self.name)
        var containers: [(TypeID, String)] = []
        var nextID: UInt32 = 1
        let last = UInt32(clamping: info.typeCount)
        if let wanted = scan.equal("type_name")?.string {
            for kind in [TypeKindFilter.structure, .union] {
                if let id = info.findType(named: wanted, kind: kind) { containers.append((id, wanted)) }
            }
            nextID = last &+ 1  // no full walk
        }
        var pending: [Row] = []
        // Pull-based: one container's members at a time, so LIMIT stops early.
        return Rows(next: {
            while pending.isEmpty {
                if !containers.isEmpty {
                    let (id, name) = containers.removeFirst()
                    pending = flatten(info, id, name, base: 0, depth: 0).reversed()
                    continue
                }
                guard nextID <= last else { return nil }
                let id = TypeID(nextID)
                nextID += 1
                switch info.shape(of: id) {
                case .structure(let name?, _), .union(let name?, _): containers.append((id, name))
                default: break
                }
            }
            return pending.popLast()
        })
    }

    private func flatten(_ info: any TypeInfo, _ id: TypeID, _ name: String, base: Int, depth: Int) -> [Row] {
        guard depth < 16 else { return [] }  // corrupt type data must not recurse forever
        var rows: [Row] = []
        for var m in info.members(of: info.resolved(id)) {
            m.bitOffset += base
            if m.name.isEmpty {
                rows += flatten(info, m.type, name, base: m.bitOffset, depth: depth + 1)
            } else {
                rows.append(Row(typeName: name, member: m, info: info))
            }
        }
        return rows
    }
}
