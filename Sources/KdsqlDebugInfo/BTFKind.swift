/// The BTF type kinds and the size of the data each one carries after its
/// 12-byte `struct btf_type` (include/uapi/linux/btf.h, Documentation/bpf/btf.rst).
public enum BTFKind: UInt8, Sendable, CaseIterable {
    case int = 1, ptr, array, structure, union, enumeration, forward, typedef
    case volatile, const, restrict, function, functionProto, variable, dataSection
    case float, declTag, typeTag, enumeration64

    /// Lower-case kind name as the `types` table shows it (bpftool's names).
    public var name: String {
        switch self {
        case .int: return "int"
        case .ptr: return "ptr"
        case .array: return "array"
        case .structure: return "struct"
        case .union: return "union"
        case .enumeration: return "enum"
        case .forward: return "fwd"
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
        case .enumeration64: return "enum64"
        }
    }

    /// Bytes that follow `struct btf_type` for this kind with `vlen` entries:
    /// INT one u32 encoding; ARRAY `struct btf_array`; STRUCT/UNION `vlen`
    /// `struct btf_member`; ENUM `vlen` `struct btf_enum`; FUNC_PROTO `vlen`
    /// `struct btf_param`; VAR `struct btf_var`; DATASEC `vlen`
    /// `struct btf_var_secinfo`; DECL_TAG `struct btf_decl_tag`; ENUM64 `vlen`
    /// `struct btf_enum64`; the rest nothing.
    @inline(__always)
    static func trailingBytes(kind: UInt32, vlen: Int) -> Int? {
        switch kind {
        case 1, 14, 17: return 4  // INT, VAR, DECL_TAG
        case 2, 7, 8, 9, 10, 11, 12, 16, 18: return 0
        case 3: return 12  // ARRAY
        case 4, 5, 15, 19: return 12 * vlen  // STRUCT, UNION, DATASEC, ENUM64
        case 6, 13: return 8 * vlen  // ENUM, FUNC_PROTO
        default: return nil
        }
    }
}
