/// One row of the `types` table: a type's id, its kind as the source spells
/// it (BTF: int, ptr, struct, func_proto, ...), its own name and its size.
public struct TypeSummary: Sendable, Equatable {
    public var id: TypeID
    public var kind: String
    /// nil for anonymous types and kinds without a name (ptr, array, const...).
    public var name: String?
    /// Bytes, nil where a size makes no sense (functions, void, incomplete types).
    public var size: Int?
    public init(id: TypeID, kind: String, name: String?, size: Int?) {
        self.id = id
        self.kind = kind
        self.name = name
        self.size = size
    }
}

/// A TypeInfo whose types can be listed, for the `types` and `type_members`
/// tables. Ids run from 1 to `typeCount` (0 is void).
public protocol TypeCatalog: TypeInfo {
    func summary(of id: TypeID) -> TypeSummary
}

extension TypeCatalog {
    /// Every type id, in id order.
    public var allTypeIDs: Range<UInt32> { 1..<UInt32(max(typeCount, 0)) + 1 }
}
