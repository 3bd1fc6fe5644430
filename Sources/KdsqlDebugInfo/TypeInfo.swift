/// A type's identity inside one TypeInfo source (a BTF type id, or a DWARF
/// DIE offset mapped to an id). 0 is `void`.
public struct TypeID: Hashable, Sendable, CustomStringConvertible {
    public var raw: UInt32
    public init(_ raw: UInt32) { self.raw = raw }
    public static let void = TypeID(0)
    public var description: String { "#\(raw)" }
}

/// What a type is, one level deep (follow the ids for the rest).
public enum TypeShape: Sendable, Equatable {
    case void
    /// `isChar`/`isBool` from BTF_INT_CHAR/BTF_INT_BOOL encodings.
    case integer(name: String, size: Int, signed: Bool, isChar: Bool, isBool: Bool)
    case float(name: String, size: Int)
    case pointer(to: TypeID)
    case array(of: TypeID, count: Int)
    case structure(name: String?, size: Int)
    case union(name: String?, size: Int)
    case enumeration(name: String?, size: Int, signed: Bool)
    case forward(name: String, isUnion: Bool)
    case typedef(name: String, to: TypeID)
    /// const / volatile / restrict / type_tag: transparent for reading.
    case qualifier(kind: String, to: TypeID)
    case function(name: String?)
    case other(kind: String)
}

/// One member of a struct or union. Offsets are in bits from the start of the
/// containing type; `bitSize` is 0 unless the member is a bitfield. Anonymous
/// struct/union members have an empty name.
public struct TypeMember: Sendable, Equatable {
    public var name: String
    public var type: TypeID
    public var bitOffset: Int
    public var bitSize: Int
    public init(name: String, type: TypeID, bitOffset: Int, bitSize: Int) {
        self.name = name
        self.type = type
        self.bitOffset = bitOffset
        self.bitSize = bitSize
    }
}

/// Which namespace to search when looking a type up by name.
public enum TypeKindFilter: Sendable {
    case structure, union, enumeration, typedef, integer, any
}

/// Type information about the dumped kernel: kernel BTF read from the dump,
/// or DWARF from a debug vmlinux.
public protocol TypeInfo: AnyObject {
    func shape(of id: TypeID) -> TypeShape
    /// Direct members of a struct or union (anonymous ones not flattened).
    func members(of id: TypeID) -> [TypeMember]
    /// Enumerators of an enum, in declaration order.
    func enumerators(of id: TypeID) -> [(name: String, value: Int64)]
    /// First type of that kind and name. For `.any`, structs win over
    /// typedefs over unions over enums over integers.
    func findType(named name: String, kind: TypeKindFilter) -> TypeID?
    /// Number of types (for the `types` table).
    var typeCount: Int { get }
}
