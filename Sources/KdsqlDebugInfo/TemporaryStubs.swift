// TEMPORARY: replaced by the real SystemMap when its branch merges.
public final class SystemMap: SymbolTable {
    public init(path: String, kaslrOffset: UInt64) throws { throw DebugInfoError.malformed(what: "System.map", detail: "not written yet") }
    public func validate(against: VMCoreInfo) throws {}
    public func address(of name: String) -> UInt64? { nil }
    public func symbolize(_ address: UInt64) -> (symbol: Symbol, offset: UInt64, size: UInt64?)? { nil }
    public var allSymbols: [Symbol] { [] }
}
