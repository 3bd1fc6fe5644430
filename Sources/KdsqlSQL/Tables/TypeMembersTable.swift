import KdsqlDebugInfo

/// `type_members`: members of structs and unions, anonymous structs/unions
/// flattened so that `task_struct.__state` appears under task_struct itself.
struct TypeMembersTable: VirtualTable {
    struct Row {
        var container: TypeID
        /// Position among the container's flattened members.
        var index: Int
        var typeName: String
        /// bitOffset relative to the outermost container.
        var member: TypeMember
        var info: any TypeInfo
    }
    static var columns: Columns {
        Columns(
            typeName: .text { $0.typeName },
            member: .text { $0.member.name },
            offset: .integer { $0.member.bitOffset / 8 },
            bitOffset: .integer { $0.member.bitOffset },
            bitSize: .integer { $0.member.bitSize },
            size: .integer { $0.info.size(of: $0.member.type) },
            memberType: .text { $0.info.name(of: $0.member.type) })
    }
    static var estimatedRows: Double { 500_000 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let info = try context.typeInfo(neededBy: Self.name)
        if filter.typeName.isEmpty { return .empty }
        var containers: [(TypeID, String)] = []
        var nextID: UInt32 = 1
        let last = UInt32(clamping: info.typeCount)
        let wanted = filter.typeName.equal
        var pending: [Row] = []
        // Pull-based: one container's members at a time, so LIMIT stops early.
        return Rows(next: {
            while pending.isEmpty {
                if !containers.isEmpty {
                    let (id, name) = containers.removeFirst()
                    var members: [TypeMember] = []
                    var budget = 1 << 16
                    flatten(info, id, base: 0, depth: 0, budget: &budget, into: &members)
                    pending = members.enumerated().map { Row(container: id, index: $0.offset, typeName: name, member: $0.element, info: info) }
                    pending.reverse()
                    continue
                }
                guard nextID <= last else { return nil }
                let id = TypeID(nextID)
                nextID += 1
                switch info.shape(of: id) {
                case .structure(let name?, _), .union(let name?, _):
                    if wanted == nil || wanted == name { containers.append((id, name)) }
                default: break
                }
            }
            return pending.popLast()
        })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(UInt64(row.container.raw), UInt64(row.index)) }

    /// `depth` stops a reference loop and `budget` a fan-out (anonymous
    /// members naming the same anonymous types again), both only in corrupt
    /// type data.
    private func flatten(_ info: any TypeInfo, _ id: TypeID, base: Int, depth: Int, budget: inout Int,
                         into members: inout [TypeMember]) {
        guard depth < 16 else { return }
        for var m in info.members(of: info.resolved(id)) {
            budget -= 1
            guard budget > 0 else { return }
            m.bitOffset += base
            if m.name.isEmpty {
                flatten(info, m.type, base: m.bitOffset, depth: depth + 1, budget: &budget, into: &members)
            } else {
                members.append(m)
            }
        }
    }
}
