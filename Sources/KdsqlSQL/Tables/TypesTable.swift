import KdsqlDebugInfo

/// `types`: one row per type id of the kernel's type information.
struct TypesTable: VirtualTable {
    typealias Row = (id: TypeID, shape: TypeShape, info: any TypeInfo)
    static var columns: Columns {
        Columns(
            id: .integer { $0.id.raw },
            kind: .text { kind($0.shape) },
            name: .text { typeName($0.shape) },
            size: .integer { row in sized(row.shape) ? row.info.size(of: row.id) : nil })
    }
    static var estimatedRows: Double { 100_000 }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        query.defaultPlan(fullScanRows: Self.estimatedRows, equalityIsUnique: ["id"])
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let info = try context.typeInfo(neededBy: Self.name)
        // BTF ids run 1...typeCount, with 0 standing for void.
        let last = Int64(info.typeCount)
        if filter.id.isEmpty || filter.name.isEmpty || filter.id.upper < 0 || filter.id.lower > last { return .empty }
        var next = max(0, filter.id.lower)
        let end = min(last, filter.id.upper)
        let wantedName = filter.name.equal
        return Rows(next: {
            while next <= end {
                let id = TypeID(UInt32(next))
                next += 1
                let shape = info.shape(of: id)
                if let wantedName, Self.typeName(shape) != wantedName { continue }
                return (id, shape, info)
            }
            return nil
        })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(UInt64(row.id.raw)) }

    static func kind(_ shape: TypeShape) -> String {
        switch shape {
        case .void: "void"
        case .integer: "int"
        case .float: "float"
        case .pointer: "ptr"
        case .array: "array"
        case .structure: "struct"
        case .union: "union"
        case .enumeration: "enum"
        case .forward: "fwd"
        case .typedef: "typedef"
        case .qualifier(let kind, _): kind
        case .function: "func"
        case .other(let kind): kind
        }
    }

    static func typeName(_ shape: TypeShape) -> String? {
        switch shape {
        case .void: "void"
        case .integer(let name, _, _, _, _), .float(let name, _), .forward(let name, _), .typedef(let name, _): name
        case .structure(let name, _), .union(let name, _), .enumeration(let name, _, _), .function(let name): name
        case .pointer, .array, .qualifier, .other: nil
        }
    }

    /// Types whose size means something (not void, functions, forward declarations).
    static func sized(_ shape: TypeShape) -> Bool {
        switch shape {
        case .void, .function, .forward, .other: false
        default: true
        }
    }
}
