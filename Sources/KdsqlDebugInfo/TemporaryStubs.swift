// TEMPORARY: replaced by the real BTFTypeInfo / SystemMap when their branch merges.
public final class BTFTypeInfo: TypeInfo {
    public init(bytes: [UInt8]) throws { throw DebugInfoError.malformed(what: "BTF", detail: "not written yet") }
    public func shape(of id: TypeID) -> TypeShape { .void }
    public func members(of id: TypeID) -> [TypeMember] { [] }
    public func enumerators(of id: TypeID) -> [(name: String, value: Int64)] { [] }
    public func findType(named name: String, kind: TypeKindFilter) -> TypeID? { nil }
    public var typeCount: Int { 0 }
}
public final class SystemMap: SymbolTable {
    public init(path: String, kaslrOffset: UInt64) throws { throw DebugInfoError.malformed(what: "System.map", detail: "not written yet") }
    public func validate(against: VMCoreInfo) throws {}
    public func address(of name: String) -> UInt64? { nil }
    public func symbolize(_ address: UInt64) -> (symbol: Symbol, offset: UInt64, size: UInt64?)? { nil }
    public var allSymbols: [Symbol] { [] }
}
