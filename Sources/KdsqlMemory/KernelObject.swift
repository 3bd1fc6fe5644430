import KdsqlDebugInfo

/// "This address is a `struct task_struct`": an address plus a type, with
/// member access by name (`task["comm"]`, `task["signal.rlim[0]"]`), pointer
/// following, array indexing and container_of. Every layout is looked up by
/// name through the kernel's type info.
public struct KernelObject {
    public let kernel: Kernel
    public let address: UInt64
    public let type: TypeID
    /// For bitfield members: position and width.
    let bitShift: Int
    let bitSize: Int

    public init(kernel: Kernel, address: UInt64, type: TypeID) {
        self.kernel = kernel
        self.address = address
        self.type = type
        self.bitShift = 0
        self.bitSize = 0
    }

    init(kernel: Kernel, address: UInt64, field: FieldRef) {
        self.kernel = kernel
        self.address = address
        self.type = field.type
        self.bitShift = field.bitShift
        self.bitSize = field.bitSize
    }

    var typeInfo: any TypeInfo { get throws { try kernel.types() } }

    public var typeName: String { (try? kernel.types().name(of: type)) ?? type.description }

    /// Member access by dotted path; pointers along the path are NOT followed
    /// implicitly except with `->` (`mm->pgd`).
    public subscript(_ path: String) -> KernelObject {
        get throws { try member(path) }
    }

    public func member(_ path: String) throws -> KernelObject {
        let chars = Array(path)
        if let i = chars.indices.first(where: { chars[$0] == "-" && $0 + 1 < chars.count && chars[$0 + 1] == ">" }) {
            let head = String(chars[..<i]), tail = String(chars[(i + 2)...])
            let first = head.isEmpty ? self : try member(head)
            return try first.dereference().member(tail)
        }
        let f = try kernel.resolveField(in: type, typeName: typeName, path: path)
        return KernelObject(kernel: kernel, address: address &+ f.offset, field: f)
    }

    /// The object a pointer points to.
    public func dereference() throws -> KernelObject {
        let types = try typeInfo
        guard case .pointer(let target) = types.shape(of: types.resolved(type)) else {
            throw MemoryError.typeMismatch("\(typeName) is not a pointer")
        }
        let p = try kernel.readU64(address)
        guard p != 0 else { throw MemoryError.nullPointer(what: typeName) }
        return KernelObject(kernel: kernel, address: p, type: target)
    }

    /// Element `i` of an array, or of the array a pointer points to.
    public func index(_ i: Int) throws -> KernelObject {
        let types = try typeInfo
        switch types.shape(of: types.resolved(type)) {
        case .array(let element, _):
            return KernelObject(kernel: kernel, address: address &+ UInt64(i * (types.size(of: element) ?? 0)), type: element)
        case .pointer(let element):
            let p = try kernel.readU64(address)
            return KernelObject(kernel: kernel, address: p &+ UInt64(i * (types.size(of: element) ?? 0)), type: element)
        default:
            throw MemoryError.typeMismatch("\(typeName) cannot be indexed")
        }
    }

    public var size: Int { (try? typeInfo.size(of: type)) ?? 0 }

    /// Unsigned value of an integer, enum, bool or pointer.
    public func unsigned() throws -> UInt64 {
        try kernel.readUnsigned(address, FieldRef(offset: 0, type: type, size: max(size, 1), bitShift: bitShift, bitSize: bitSize))
    }

    /// Signed value of an integer or enum (sign-extended).
    public func signed() throws -> Int64 {
        try kernel.readSigned(address, FieldRef(offset: 0, type: type, size: max(size, 1), bitShift: bitShift, bitSize: bitSize))
    }

    /// Value honouring the type's signedness.
    public func value() throws -> Int64 {
        let types = try typeInfo
        switch types.shape(of: types.resolved(type)) {
        case .integer(_, _, let isSigned, _, _) where isSigned: return try signed()
        case .enumeration(_, _, let isSigned) where isSigned: return try signed()
        default: return Int64(bitPattern: try unsigned())
        }
    }

    /// Text of a `char[N]` array or the string a `char *` points to.
    public func string(maxLength: Int = 4096) throws -> String {
        let types = try typeInfo
        switch types.shape(of: types.resolved(type)) {
        case .array(_, let count): return try kernel.readCString(address, maxLength: count)
        case .pointer:
            let p = try kernel.readU64(address)
            guard p != 0 else { throw MemoryError.nullPointer(what: typeName) }
            return try kernel.readCString(p, maxLength: maxLength)
        default: throw MemoryError.typeMismatch("\(typeName) is not a string")
        }
    }

    /// The same address seen as another type.
    public func cast(_ spelling: String) throws -> KernelObject {
        KernelObject(kernel: kernel, address: address, type: try kernel.type(spelling))
    }

    /// container_of(): the enclosing `typeName` whose `member` is at this address.
    public func container(_ typeName: String, _ member: String) throws -> KernelObject {
        let f = try kernel.field(typeName, member)
        return KernelObject(kernel: kernel, address: address &- f.offset, type: try kernel.type(typeName))
    }
}

extension Kernel {
    /// A typed view of `address`.
    public func object(_ address: UInt64, _ typeSpelling: String) throws -> KernelObject {
        KernelObject(kernel: self, address: address, type: try type(typeSpelling))
    }

    /// A global variable as a typed object. Kernel BTF carries no types for most
    /// globals, so the types of the ones kdsql uses come from `KernelGlobals`.
    public func global(_ name: String) throws -> KernelObject {
        guard let spelling = KernelGlobals.types[name] else {
            throw MemoryError.missing("kdsql does not know the type of global '\(name)'; add it to KernelGlobals")
        }
        return try object(try address(of: name), spelling)
    }
}
