import KdsqlMemory
import KdsqlDebugInfo

/// One module parameter (`module_param()`), with its value when its type is
/// one of the kernel's standard ones.
public struct ModuleParameter: Sendable, Equatable {
    public var name: String
    /// The value as /sys/module/<m>/parameters/<name> would show it; nil for
    /// parameters with custom ops, arrays and strings kdsql does not decode.
    public var value: String?
    /// sysfs permission bits (0 = not visible in sysfs).
    public var permissions: UInt64
}

/// Reads `mod->kp[0 ..< num_kp]` (struct kernel_param, include/linux/moduleparam.h)
/// and decodes the value of parameters whose `ops` are the standard
/// param_ops_* of kernel/params.c, which says how `arg` is stored.
/// Calling the kernel's `get` is impossible in a dump, so custom ops stay undecoded.
public struct ModuleParameters {
    let kernel: Kernel
    let kp: FieldRef, numKp: FieldRef, paramSize: Int
    let name: FieldRef, ops: FieldRef, perm: FieldRef, arg: FieldRef
    let decoders: [UInt64: Decoder]

    enum Decoder { case signed(Int), unsigned(Int), hex(Int), bool, invbool, charp }

    /// Bound against a corrupt num_kp: real modules have a handful.
    static let maxParameters = 4096

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        kp = try kernel.field("struct module", "kp")
        numKp = try kernel.field("struct module", "num_kp")
        let p = "struct kernel_param"
        paramSize = try kernel.size(of: p)
        name = try kernel.field(p, "name")
        ops = try kernel.field(p, "ops")
        perm = try kernel.field(p, "perm")
        arg = try kernel.field(p, "arg")   // in the anonymous union {arg, str, arr}
        let table: [(String, Decoder)] = [
            ("param_ops_byte", .unsigned(1)), ("param_ops_short", .signed(2)), ("param_ops_ushort", .unsigned(2)),
            ("param_ops_int", .signed(4)), ("param_ops_uint", .unsigned(4)), ("param_ops_long", .signed(8)),
            ("param_ops_ulong", .unsigned(8)), ("param_ops_ullong", .unsigned(8)), ("param_ops_hexint", .hex(4)),
            ("param_ops_bool", .bool), ("param_ops_bool_enable_only", .bool), ("param_ops_invbool", .invbool),
            ("param_ops_charp", .charp),
        ]
        var decoders: [UInt64: Decoder] = [:]
        for (symbol, d) in table { if let a = kernel.symbols.address(of: symbol) { decoders[a] = d } }
        self.decoders = decoders
    }

    public func parameters(of module: UInt64) throws -> [ModuleParameter] {
        let count = Int(try kernel.readUnsigned(module, numKp))
        let first = try kernel.readPointer(module, kp)
        guard count > 0, first != 0 else { return [] }
        guard count <= Self.maxParameters else {
            throw MemoryError.typeMismatch("struct module at 0x\(String(module, radix: 16)) claims \(count) parameters; num_kp looks corrupt")
        }
        return try (0..<count).map { i in
            let p = first + UInt64(i * paramSize)
            let namePointer = try kernel.readPointer(p, name)
            return ModuleParameter(name: namePointer == 0 ? "" : try kernel.readCString(namePointer, maxLength: 256),
                                   value: try? value(p), permissions: try kernel.readUnsigned(p, perm))
        }
    }

    /// param_get_*() formats (kernel/params.c): integers in decimal, hexint
    /// as 0x%x, bools as Y/N, charp as the string.
    func value(_ p: UInt64) throws -> String? {
        guard let decoder = decoders[try kernel.readPointer(p, ops)] else { return nil }
        let a = try kernel.readPointer(p, arg)
        guard a != 0 else { return nil }
        func raw(_ n: Int) throws -> UInt64 {
            switch n {
            case 1: return UInt64(try kernel.readU8(a))
            case 2: return UInt64(try kernel.readU16(a))
            case 4: return UInt64(try kernel.readU32(a))
            default: return try kernel.readU64(a)
            }
        }
        switch decoder {
        case .unsigned(let n): return String(try raw(n))
        case .signed(let n):
            let v = try raw(n), bits = UInt64(n * 8)
            let signed = bits == 64 ? Int64(bitPattern: v) : Int64(bitPattern: (v ^ (1 << (bits - 1))) &- (1 << (bits - 1)))
            return String(signed)
        case .hex(let n): return "0x" + String(try raw(n), radix: 16)
        case .bool: return try kernel.readU8(a) != 0 ? "Y" : "N"
        case .invbool: return try kernel.readU8(a) != 0 ? "N" : "Y"
        case .charp:
            let s = try kernel.readU64(a)
            return s == 0 ? "(null)" : try kernel.readCString(s, maxLength: 1024)
        }
    }
}
