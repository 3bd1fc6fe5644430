/// Kernel BTF (include/uapi/linux/btf.h, Documentation/bpf/btf.rst): the
/// compact type information every modern kernel carries in its own image
/// between `__start_BTF` and `__stop_BTF`, so types come from the dump itself.
///
/// Lazy by design (a fresh process must answer in milliseconds): opening does
/// one pass that records where each type record starts; the name index is
/// built on the first lookup by name; members are decoded when asked for.
public final class BTFTypeInfo: TypeInfo {
    // btf_type.info: vlen bits 0-15, kind bits 24-28, kind_flag bit 31.
    enum Kind: UInt8 {
        case unknown = 0, int = 1, ptr, array, structure, union, enumeration, fwd, typedef, volatile, const,
             restrict, function, functionProto, variable, dataSection, float, declTag, typeTag, enum64
    }

    static let magic: UInt16 = 0xeB9F
    private let data: [UInt8]
    private let typeStart: Int
    private let typeEnd: Int
    private let stringStart: Int
    private let stringEnd: Int
    /// offsets[id] = byte offset of type `id` in `data` (id 0 = void has none).
    private var offsets: [UInt32]
    private var nameIndex: FlatHashIndex? = nil

    public var typeCount: Int { offsets.count - 1 }

    public init(bytes: [UInt8]) throws {
        data = bytes
        guard bytes.count >= 24 else { throw DebugInfoError.malformed(what: "BTF", detail: "header truncated (\(bytes.count) bytes)") }
        func u32(_ o: Int) -> UInt32 {
            UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        let magic = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        guard magic == BTFTypeInfo.magic else {
            throw DebugInfoError.malformed(what: "BTF", detail: "bad magic 0x\(String(magic, radix: 16)) (expected 0xeb9f; big-endian BTF is not supported)")
        }
        let hdrLen = Int(u32(4))
        guard hdrLen >= 24, hdrLen <= bytes.count else { throw DebugInfoError.malformed(what: "BTF", detail: "header length \(hdrLen)") }
        let typeOff = Int(u32(8)), typeLen = Int(u32(12)), strOff = Int(u32(16)), strLen = Int(u32(20))
        let typeStart = hdrLen + typeOff, typeEnd = hdrLen + typeOff + typeLen
        self.typeStart = typeStart
        self.typeEnd = typeEnd
        stringStart = hdrLen + strOff
        stringEnd = stringStart + strLen
        guard typeEnd <= bytes.count, stringEnd <= bytes.count, typeStart <= typeEnd else {
            throw DebugInfoError.malformed(what: "BTF", detail: "type or string section runs past the end of the \(bytes.count)-byte blob")
        }
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(typeLen / 16)
        try bytes.withUnsafeBytes { raw in
            var o = typeStart
            while o < typeEnd {
                guard o + 12 <= typeEnd else { throw DebugInfoError.malformed(what: "BTF", detail: "type record at \(o) is cut off") }
                offsets.append(UInt32(o))
                let info = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o + 4, as: UInt32.self))
                let vlen = Int(info & 0xffff)
                let extra: Int
                switch Kind(rawValue: UInt8((info >> 24) & 0x1f)) {
                case .int: extra = 4
                case .array: extra = 12
                case .structure, .union: extra = 12 * vlen
                case .enumeration: extra = 8 * vlen
                case .functionProto: extra = 8 * vlen
                case .variable: extra = 4
                case .dataSection: extra = 12 * vlen
                case .declTag: extra = 4
                case .enum64: extra = 12 * vlen
                case .ptr, .fwd, .typedef, .volatile, .const, .restrict, .function, .float, .typeTag: extra = 0
                case .unknown, .none:
                    throw DebugInfoError.malformed(what: "BTF", detail: "unknown kind \((info >> 24) & 0x1f) at offset \(o)")
                }
                o += 12 + extra
            }
            guard o == typeEnd else { throw DebugInfoError.malformed(what: "BTF", detail: "last type record runs past the type section") }
        }
        self.offsets = offsets
    }

    // MARK: Raw access

    @inline(__always) private func u32(_ o: Int) -> UInt32 {
        data.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    }

    private struct Header {
        var nameOff: UInt32, kind: Kind, vlen: Int, kindFlag: Bool, sizeOrType: UInt32, offset: Int
    }

    private func header(_ id: TypeID) -> Header? {
        let i = Int(id.raw)
        guard i > 0, i < offsets.count else { return nil }
        let o = Int(offsets[i])
        let info = u32(o + 4)
        return Header(nameOff: u32(o), kind: Kind(rawValue: UInt8((info >> 24) & 0x1f)) ?? .unknown,
                      vlen: Int(info & 0xffff), kindFlag: info >> 31 != 0, sizeOrType: u32(o + 8), offset: o)
    }

    /// A NUL-terminated name from the string section ("" when out of range).
    private func string(_ off: UInt32) -> String {
        let start = stringStart + Int(off)
        guard start < stringEnd else { return "" }
        return data.withUnsafeBufferPointer { buf in
            var end = start
            while end < stringEnd && buf[end] != 0 { end += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<end]), as: UTF8.self)
        }
    }

    private func optionalName(_ off: UInt32) -> String? { off == 0 ? nil : string(off) }

    // MARK: TypeInfo

    public func shape(of id: TypeID) -> TypeShape {
        guard id.raw != 0 else { return .void }
        guard let h = header(id) else { return .other(kind: "invalid type id \(id.raw)") }
        switch h.kind {
        case .int:
            let enc = u32(h.offset + 12)
            let encoding = (enc >> 24) & 0xf
            return .integer(name: string(h.nameOff), size: Int(h.sizeOrType), signed: encoding & 1 != 0,
                            isChar: encoding & 2 != 0, isBool: encoding & 4 != 0)
        case .float: return .float(name: string(h.nameOff), size: Int(h.sizeOrType))
        case .ptr: return .pointer(to: TypeID(h.sizeOrType))
        case .array: return .array(of: TypeID(u32(h.offset + 12)), count: Int(u32(h.offset + 20)))
        case .structure: return .structure(name: optionalName(h.nameOff), size: Int(h.sizeOrType))
        case .union: return .union(name: optionalName(h.nameOff), size: Int(h.sizeOrType))
        case .enumeration, .enum64: return .enumeration(name: optionalName(h.nameOff), size: Int(h.sizeOrType), signed: h.kindFlag)
        case .fwd: return .forward(name: string(h.nameOff), isUnion: h.kindFlag)
        case .typedef: return .typedef(name: string(h.nameOff), to: TypeID(h.sizeOrType))
        case .volatile: return .qualifier(kind: "volatile", to: TypeID(h.sizeOrType))
        case .const: return .qualifier(kind: "const", to: TypeID(h.sizeOrType))
        case .restrict: return .qualifier(kind: "restrict", to: TypeID(h.sizeOrType))
        case .typeTag: return .qualifier(kind: "type_tag", to: TypeID(h.sizeOrType))
        case .function: return .function(name: optionalName(h.nameOff))
        case .functionProto: return .function(name: nil)
        case .variable: return .other(kind: "var \(string(h.nameOff))")
        case .dataSection: return .other(kind: "datasec \(string(h.nameOff))")
        case .declTag: return .other(kind: "decl_tag \(string(h.nameOff))")
        case .unknown: return .other(kind: "unknown")
        }
    }

    public func members(of id: TypeID) -> [TypeMember] {
        guard let h = header(id), h.kind == .structure || h.kind == .union else { return [] }
        var out: [TypeMember] = []
        out.reserveCapacity(h.vlen)
        for i in 0..<h.vlen {
            let m = h.offset + 12 + i * 12
            let raw = u32(m + 8)
            // With kind_flag the offset packs the bitfield size in bits 24-31.
            let bitOffset = h.kindFlag ? Int(raw & 0xff_ffff) : Int(raw)
            let bitSize = h.kindFlag ? Int(raw >> 24) : 0
            out.append(TypeMember(name: string(u32(m)), type: TypeID(u32(m + 4)), bitOffset: bitOffset, bitSize: bitSize))
        }
        return out
    }

    public func enumerators(of id: TypeID) -> [(name: String, value: Int64)] {
        guard let h = header(id) else { return [] }
        switch h.kind {
        case .enumeration:
            return (0..<h.vlen).map { i in
                let e = h.offset + 12 + i * 8
                let v = u32(e + 4)
                return (string(u32(e)), h.kindFlag ? Int64(Int32(bitPattern: v)) : Int64(v))
            }
        case .enum64:
            return (0..<h.vlen).map { i in
                let e = h.offset + 12 + i * 12
                return (string(u32(e)), Int64(bitPattern: UInt64(u32(e + 4)) | UInt64(u32(e + 8)) << 32))
            }
        default: return []
        }
    }

    // MARK: Name index

    /// Namespaces for lookups: C keeps struct/union/enum tags apart from typedefs.
    private static func namespace(_ kind: Kind) -> UInt64? {
        switch kind {
        case .structure: return 1
        case .union: return 2
        case .enumeration, .enum64: return 3
        case .typedef: return 4
        case .int, .float: return 5
        case .fwd: return 6
        case .function: return 7
        default: return nil
        }
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ ns: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ ns
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }

    private func buildIndex() -> FlatHashIndex {
        var index = FlatHashIndex(capacity: offsets.count)
        data.withUnsafeBufferPointer { buf in
            for id in 1..<offsets.count {
                let o = Int(offsets[id])
                let nameOff = Int(u32(o))
                guard nameOff != 0 else { continue }
                let info = u32(o + 4)
                guard let kind = Kind(rawValue: UInt8((info >> 24) & 0x1f)), let ns = BTFTypeInfo.namespace(kind) else { continue }
                let start = stringStart + nameOff
                guard start < stringEnd else { continue }
                var end = start
                while end < stringEnd && buf[end] != 0 { end += 1 }
                let key = BTFTypeInfo.hash(UnsafeBufferPointer(rebasing: buf[start..<end]), ns)
                index.insert(key: key, value: UInt32(id)) { existing in
                    // Keep the first definition, but let a complete struct win
                    // over an empty placeholder of the same name.
                    let eo = Int(offsets[Int(existing)])
                    let existingEmpty = u32(eo + 4) & 0xffff == 0 && u32(eo + 8) == 0
                    return existingEmpty && (info & 0xffff != 0)
                }
            }
        }
        return index
    }

    private func lookup(_ name: String, _ kind: Kind) -> TypeID? {
        guard let ns = BTFTypeInfo.namespace(kind) else { return nil }
        if nameIndex == nil { nameIndex = buildIndex() }
        var utf8 = Array(name.utf8)
        let key = utf8.withUnsafeMutableBufferPointer { BTFTypeInfo.hash(UnsafeBufferPointer($0), ns) }
        guard let id = nameIndex?.find(key), let h = header(TypeID(id)), string(h.nameOff) == name else { return nil }
        return TypeID(id)
    }

    public func findType(named name: String, kind: TypeKindFilter) -> TypeID? {
        switch kind {
        case .structure: return lookup(name, .structure)
        case .union: return lookup(name, .union)
        case .enumeration: return lookup(name, .enumeration)
        case .typedef: return lookup(name, .typedef)
        case .integer: return lookup(name, .int)
        case .any:
            return lookup(name, .structure) ?? lookup(name, .typedef) ?? lookup(name, .union)
                ?? lookup(name, .enumeration) ?? lookup(name, .int)
        }
    }

    /// Kind name for the `types` table (btf.rst spelling, lower case).
    public func kindName(of id: TypeID) -> String {
        guard let h = header(id) else { return "void" }
        switch h.kind {
        case .int: return "int"
        case .ptr: return "ptr"
        case .array: return "array"
        case .structure: return "struct"
        case .union: return "union"
        case .enumeration: return "enum"
        case .fwd: return "fwd"
        case .typedef: return "typedef"
        case .volatile: return "volatile"
        case .const: return "const"
        case .restrict: return "restrict"
        case .function: return "func"
        case .functionProto: return "func_proto"
        case .variable: return "var"
        case .dataSection: return "datasec"
        case .float: return "float"
        case .declTag: return "decl_tag"
        case .typeTag: return "type_tag"
        case .enum64: return "enum64"
        case .unknown: return "unknown"
        }
    }

    /// The raw name of a type ("" for anonymous ones).
    public func rawName(of id: TypeID) -> String { header(id).map { string($0.nameOff) } ?? "" }
}
