/// A kernel symbol: a name, its runtime address (KASLR applied) and the
/// System.map / kallsyms type letter (T t D d R r B b ...).
public struct Symbol: Sendable, Equatable, Hashable {
    public var name: String
    public var address: UInt64
    public var type: Character
    /// Owning module name, nil for the kernel image.
    public var module: String?
    public init(name: String, address: UInt64, type: Character, module: String? = nil) {
        self.name = name
        self.address = address
        self.type = type
        self.module = module
    }
}

/// Name <-> address lookups. Implemented by kallsyms decoded from the dump,
/// a System.map, and (later) DWARF.
public protocol SymbolTable: AnyObject {
    /// Runtime address of a symbol, KASLR applied.
    func address(of name: String) -> UInt64?
    /// The symbol that contains `address` (the greatest symbol <= address),
    /// with the symbol's size where it can be known (distance to the next one).
    func symbolize(_ address: UInt64) -> (symbol: Symbol, offset: UInt64, size: UInt64?)?
    /// All symbols, sorted by address.
    var allSymbols: [Symbol] { get }
    /// Every address a name has: static functions and variables of
    /// different files may share one (`address(of:)` gives one of them).
    func addresses(of name: String) -> [UInt64]
    /// Whether a symbol of this name lies at exactly this address (among
    /// the aliases an address may have).
    func hasSymbol(named name: String, at address: UInt64) -> Bool
}

extension SymbolTable {
    /// By a scan of every symbol; tables with a name index answer faster.
    public func addresses(of name: String) -> [UInt64] {
        allSymbols.filter { $0.name == name }.map(\.address)
    }

    public func hasSymbol(named name: String, at address: UInt64) -> Bool {
        addresses(of: name).contains(address)
    }

    /// `name+0xoff` like the kernel's %pS (without the size).
    public func describe(_ address: UInt64) -> String? {
        guard let s = symbolize(address) else { return nil }
        return s.offset == 0 ? s.symbol.name : "\(s.symbol.name)+0x\(String(s.offset, radix: 16))"
    }
    /// `name+0xoff/0xsize` like the kernel's %pB and crash's `bt`.
    public func describeWithSize(_ address: UInt64) -> String? {
        guard let s = symbolize(address) else { return nil }
        var text = "\(s.symbol.name)+0x\(String(s.offset, radix: 16))"
        if let size = s.size { text += "/0x\(String(size, radix: 16))" }
        return text
    }
}

/// Errors from symbol and type sources.
public enum DebugInfoError: Error, Equatable, CustomStringConvertible {
    case malformed(what: String, detail: String)
    case unknownSymbol(String)
    case unknownType(String)
    /// "task_struct has no member 'state' (this kernel has '__state')"
    case noMember(type: String, member: String, suggestion: String?)
    case mismatch(String)

    public var description: String {
        switch self {
        case .malformed(let what, let detail): return "malformed \(what): \(detail)"
        case .unknownSymbol(let s): return "symbol '\(s)' not found in this kernel"
        case .unknownType(let t): return "type '\(t)' not found in this kernel's type information"
        case .noMember(let type, let member, let suggestion):
            var text = "\(type) has no member '\(member)'"
            if let suggestion { text += " (this kernel has '\(suggestion)')" }
            return text
        case .mismatch(let s): return s
        }
    }
}
