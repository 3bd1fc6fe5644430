import KdsqlDebugInfo

struct FieldKey: Hashable {
    var type: String
    var path: String
}

/// A member (or dotted member path) resolved once against the type info:
/// byte offset from the container, the member's type and size, and bitfield
/// position. Walkers resolve their fields once and then read at
/// `object + field.offset`, so no per-row name lookups happen.
public struct FieldRef: Sendable {
    public var offset: UInt64
    public var type: TypeID
    public var size: Int
    /// Bit offset within the byte at `offset` and width, for bitfields.
    public var bitShift: Int
    public var bitSize: Int
}

extension Kernel {
    /// The type for a C spelling (`struct task_struct`, `u64`), cached.
    public func type(_ spelling: String) throws -> TypeID {
        if let t = typeCache[spelling] { return t }
        let types = try types()
        guard let t = types.findType(spelled: spelling) else { throw DebugInfoError.unknownType(spelling) }
        typeCache[spelling] = t
        return t
    }

    /// Resolves `path` (`comm`, `signal.rlim`, `pids[0].pid`, `se.vruntime`)
    /// inside `typeName`. Unknown members give "task_struct has no member
    /// 'state' (this kernel has '__state')".
    public func field(_ typeName: String, _ path: String) throws -> FieldRef {
        let key = FieldKey(type: typeName, path: path)
        if let f = fieldCache[key] { return f }
        let f = try resolveField(in: try type(typeName), typeName: typeName, path: path)
        fieldCache[key] = f
        return f
    }

    /// True when the type has this member (for fields renamed across versions).
    public func hasField(_ typeName: String, _ path: String) -> Bool {
        (try? field(typeName, path)) != nil
    }

    /// The first of several spellings that this kernel has (`__state`, `state`).
    public func field(_ typeName: String, oneOf paths: [String]) throws -> FieldRef {
        for p in paths { if let f = try? field(typeName, p) { return f } }
        return try field(typeName, paths[0])
    }

    func resolveField(in container: TypeID, typeName: String, path: String) throws -> FieldRef {
        let types = try types()
        var current = container
        var offsetBits = 0
        var bitSize = 0
        var currentName = typeName
        for component in FieldPath.parse(path) {
            switch component {
            case .member(let name):
                guard let m = types.member(of: current, named: name) else {
                    let shown = currentName.hasPrefix("struct ") ? String(currentName.dropFirst(7)) : currentName
                    throw DebugInfoError.noMember(type: shown, member: name, suggestion: types.suggestMember(of: current, near: name))
                }
                offsetBits += m.bitOffset
                bitSize = m.bitSize
                current = m.type
                currentName = types.name(of: m.type)
            case .index(let i):
                guard case .array(let element, _) = types.shape(of: types.resolved(current)) else {
                    throw MemoryError.typeMismatch("\(currentName) is not an array; cannot index [\(i)] in \(typeName).\(path)")
                }
                offsetBits += i * (types.size(of: element) ?? 0) * 8
                current = element
                bitSize = 0
                currentName = types.name(of: element)
            }
        }
        let size = bitSize > 0 ? (bitSize + 7) / 8 : (types.size(of: current) ?? 0)
        return FieldRef(offset: UInt64(offsetBits / 8), type: current, size: size,
                        bitShift: bitSize > 0 ? offsetBits % 8 : 0, bitSize: bitSize)
    }

    /// Byte offset of a member path (the `kd_offsetof` function).
    public func offset(of typeName: String, _ path: String) throws -> Int {
        Int(try field(typeName, path).offset)
    }

    /// Size of a type in bytes (the `kd_sizeof` function).
    public func size(of typeName: String) throws -> Int {
        let types = try types()
        guard let s = types.size(of: try type(typeName)) else {
            throw MemoryError.typeMismatch("\(typeName) has no size (incomplete or function type)")
        }
        return s
    }

    /// Reads an unsigned integer field of the object at `base` (1/2/4/8 bytes, bitfields).
    @inline(__always)
    public func readUnsigned(_ base: UInt64, _ f: FieldRef) throws -> UInt64 {
        if f.bitSize > 0 {
            var raw: UInt64 = 0
            let span = (f.bitShift + f.bitSize + 7) / 8
            let bytes = try read(base &+ f.offset, count: span)
            for (i, b) in bytes.enumerated() { raw |= UInt64(b) << UInt64(8 * i) }
            return (raw >> UInt64(f.bitShift)) & ((1 << UInt64(f.bitSize)) - 1)
        }
        switch f.size {
        case 1: return UInt64(try readU8(base &+ f.offset))
        case 2: return UInt64(try readU16(base &+ f.offset))
        case 4: return UInt64(try readU32(base &+ f.offset))
        default: return try readU64(base &+ f.offset)
        }
    }

    /// Reads a signed integer field (sign-extended from its size).
    @inline(__always)
    public func readSigned(_ base: UInt64, _ f: FieldRef) throws -> Int64 {
        let u = try readUnsigned(base, f)
        let bits = f.bitSize > 0 ? f.bitSize : f.size * 8
        guard bits < 64 else { return Int64(bitPattern: u) }
        let sign: UInt64 = 1 << UInt64(bits - 1)
        return Int64(bitPattern: (u ^ sign) &- sign)
    }

    /// Reads a pointer field.
    @inline(__always)
    public func readPointer(_ base: UInt64, _ f: FieldRef) throws -> UInt64 {
        try readU64(base &+ f.offset)
    }

    /// Reads a `char[N]` field as a string (stops at the first NUL).
    public func readCharArray(_ base: UInt64, _ f: FieldRef) throws -> String {
        try readCString(base &+ f.offset, maxLength: max(f.size, 1))
    }
}

/// Parsed member path: `a.b[2].c` → member a, member b, index 2, member c.
enum FieldPath {
    enum Component: Equatable { case member(String), index(Int) }

    static func parse(_ path: String) -> [Component] {
        var result: [Component] = []
        var name = ""
        var chars = Substring(path)
        while let c = chars.first {
            chars = chars.dropFirst()
            switch c {
            case ".":
                if !name.isEmpty { result.append(.member(name)); name = "" }
            case "[":
                if !name.isEmpty { result.append(.member(name)); name = "" }
                var digits = ""
                while let d = chars.first, d != "]" { digits.append(d); chars = chars.dropFirst() }
                chars = chars.dropFirst()
                result.append(.index(Int(digits) ?? 0))
            default:
                name.append(c)
            }
        }
        if !name.isEmpty { result.append(.member(name)) }
        return result
    }
}

extension Kernel {
    /// Every type spelling resolved so far (`struct task_struct`, ...): what
    /// the walkers of this kernel have read, for checking one type source
    /// against another.
    public var typesLookedUp: [String] { typeCache.keys.sorted() }

    /// Every (type, member path) resolved so far.
    public var fieldsLookedUp: [(type: String, path: String)] {
        fieldCache.keys.map { ($0.type, $0.path) }.sorted { ($0.type, $0.path) < ($1.type, $1.path) }
    }
}
