import KdsqlMemory
import KdsqlDebugInfo

/// A C member path as a kernel engineer writes it: `comm`, `se.vruntime`,
/// `mm->map_count`, `cpus_mask.bits[0]`, `pids[1].pid`. `.` selects a member
/// of a struct or union (anonymous members are looked through), `->` follows
/// a pointer and then selects, `[N]` indexes an array (or the array a
/// pointer points to). The same text, rooted at a global, names an address:
/// `init_task.tasks`, `modules`, `runqueues.nr_running`.
public struct MemberPath: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        /// `.name` (or the first name of the path).
        case member(String)
        /// `->name`: dereference, then select.
        case arrow(String)
        /// `[n]`.
        case index(Int)
    }

    public var steps: [Step]
    public var text: String

    public var description: String { text }

    /// Parses `text`; an empty path (the object itself) is allowed.
    public static func parse(_ text: String) throws(MemberPathError) -> MemberPath {
        var steps: [Step] = []
        let chars = Array(text)
        var i = 0
        func isNameChar(_ c: Character) -> Bool { c == "_" || c.isASCII && (c.isLetter || c.isNumber) }
        func name(after connector: String) throws(MemberPathError) -> String {
            while i < chars.count, chars[i] == " " { i += 1 }
            let start = i
            while i < chars.count, isNameChar(chars[i]) { i += 1 }
            guard i > start, !chars[start].isNumber else {
                throw .syntax(path: text, position: start, expected: "a member name\(connector.isEmpty ? "" : " after '\(connector)'")")
            }
            return String(chars[start..<i])
        }
        while i < chars.count {
            let c = chars[i]
            if c == " " { i += 1; continue }
            if c == "." {
                guard !steps.isEmpty else { throw .syntax(path: text, position: i, expected: "a member name before '.'") }
                i += 1
                steps.append(.member(try name(after: ".")))
            } else if c == "-", i + 1 < chars.count, chars[i + 1] == ">" {
                i += 2
                steps.append(.arrow(try name(after: "->")))
            } else if c == "[" {
                i += 1
                let start = i
                while i < chars.count, chars[i] != "]" { i += 1 }
                let digits = String(chars[start..<i]).trimmingSpaces
                guard i < chars.count, let n = parseIndex(digits), n >= 0 else {
                    throw .syntax(path: text, position: start, expected: "a non-negative array index and ']'")
                }
                i += 1
                steps.append(.index(n))
            } else if steps.isEmpty, isNameChar(c) {
                steps.append(.member(try name(after: "")))
            } else {
                throw .syntax(path: text, position: i, expected: "'.', '->' or '['")
            }
        }
        return MemberPath(steps: steps, text: text)
    }

    private static func parseIndex(_ s: String) -> Int? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return Int(s.dropFirst(2), radix: 16) }
        return Int(s)
    }
}

/// Why a member path cannot be evaluated: each case names the type and the
/// member (or step) that is wrong, so the user can fix the text.
public enum MemberPathError: Error, Equatable, CustomStringConvertible {
    case syntax(path: String, position: Int, expected: String)
    case unknownType(String)
    case noMember(type: String, member: String, suggestion: String?)
    /// `.member` or `->member` on something that is not a struct or union.
    case notAggregate(type: String, member: String)
    /// `.member` on a pointer (`->` was meant), or `->` on a non-pointer.
    case wrongConnector(type: String, member: String, use: String)
    case notIndexable(type: String, index: Int)
    case indexOutOfRange(type: String, index: Int, count: Int)
    /// A pointer to void, a function or an incomplete type cannot be followed.
    case opaque(type: String, member: String)
    /// The value is a function or void: nothing to read.
    case unreadableKind(type: String, path: String)
    case unknownSymbol(String)
    /// A global whose type the type information does not record.
    case unknownGlobalType(symbol: String)

    public var description: String {
        switch self {
        case .syntax(let path, let position, let expected):
            return "member path '\(path)': expected \(expected) at position \(position + 1)"
        case .unknownType(let t): return "type '\(t)' not found in this kernel's type information"
        case .noMember(let type, let member, let suggestion):
            var text = "\(type) has no member '\(member)'"
            if let suggestion { text += " (this kernel has '\(suggestion)')" }
            return text
        case .notAggregate(let type, let member): return "\(type) is not a struct or union, so it has no member '\(member)'"
        case .wrongConnector(let type, let member, let use): return "\(type) is \(use == "->" ? "a pointer" : "not a pointer"): write '\(use)\(member)'"
        case .notIndexable(let type, let index): return "\(type) is neither an array nor a pointer; cannot index [\(index)]"
        case .indexOutOfRange(let type, let index, let count): return "index [\(index)] is outside \(type) (\(count) elements)"
        case .opaque(let type, let member): return "cannot follow \(type) to reach '\(member)': it points to no complete type"
        case .unreadableKind(let type, let path): return "'\(path)' is \(type), which has no value to read"
        case .unknownSymbol(let s): return "symbol '\(s)' not found in this kernel"
        case .unknownGlobalType(let s):
            return "the type of global '\(s)' is not known (BTF records types, not most variables): use kd_member(kd_symbol_address('\(s)'), 'TYPE', 'PATH')"
        }
    }
}

/// The value of a member, as SQL will see it.
public enum MemberValue: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    /// char arrays, up to the first NUL.
    case text(String)
    /// Structs, unions and arrays of anything but char, byte for byte.
    case bytes([UInt8])
    /// A NULL pointer was on the way (`mm->map_count` of a kernel thread).
    case null
}

/// A member path resolved against the type info once, evaluated on many
/// objects: each `->` is a hop (add an offset, read a pointer), the rest adds
/// up to one final offset. Reading then costs one pointer read per `->` and
/// one read of the value.
public struct MemberAccessor: Sendable {
    /// How the final bytes become a value.
    public enum Kind: Sendable, Equatable {
        case signed, unsigned, pointer, float, charArray, bytes
    }
    /// Byte offsets at which a pointer is read, in order (the path's `->`s
    /// and pointer indexes); after each, the next offset is from the pointee.
    public var hops: [UInt64]
    /// Offset of the value from the last object reached.
    public var offset: UInt64
    /// The value's type.
    public var type: TypeID
    /// The value's C spelling (`char [16]`, `struct list_head`).
    public var typeName: String
    /// Bytes the value occupies (for a bitfield, the bytes that hold it).
    public var size: Int
    /// Bitfields: position in the byte at `offset` and width; 0 otherwise.
    public var bitShift: Int
    public var bitSize: Int
    public var kind: Kind
    /// The container's C spelling and the path, for messages.
    public var container: String
    public var path: MemberPath

    /// Offset of the member when no pointer is followed (`kd_offsetof`).
    public var directOffset: UInt64? { hops.isEmpty ? offset : nil }
}

extension Kernel {
    /// Looks up a type as a user writes it: `task_struct`, `struct task_struct`,
    /// `struct page *`, `unsigned long`, `u64`. A bare name prefers the
    /// struct, as `kd_offsetof` does.
    public func userType(_ spelling: String) throws -> TypeID {
        var s = spelling.trimmingSpaces
        var pointers = 0
        while s.hasSuffix("*") { pointers += 1; s = String(s.dropLast()).trimmingSpaces }
        guard pointers == 0 else { throw MemberPathError.unknownType("\(spelling) (give the pointed-to type)") }
        for candidate in [s] + Self.compilerSpellings(s) {
            if let id = try? type(candidate) { return id }
        }
        throw MemberPathError.unknownType(s)
    }

    /// How GCC names C's integer types in DWARF and BTF (`unsigned long` is
    /// `long unsigned int`).
    static func compilerSpellings(_ s: String) -> [String] {
        switch s {
        case "unsigned long": return ["long unsigned int"]
        case "long", "signed long": return ["long int"]
        case "unsigned long long": return ["long long unsigned int"]
        case "long long": return ["long long int"]
        case "unsigned", "unsigned int": return ["unsigned int"]
        case "unsigned short": return ["short unsigned int"]
        case "short": return ["short int"]
        default: return []
        }
    }

    /// Resolves `path` inside `type` (a C spelling). Throws a
    /// `MemberPathError` naming the type and member that do not exist.
    public func accessor(_ type: String, _ path: String) throws -> MemberAccessor {
        let parsed = try MemberPath.parse(path)
        return try accessor(in: try userType(type), named: type, parsed)
    }

    /// Resolves a parsed path inside the type `container`.
    public func accessor(in container: TypeID, named containerName: String? = nil, _ path: MemberPath) throws -> MemberAccessor {
        let types = try types()
        var current = container
        var hops: [UInt64] = []
        var offsetBits = 0
        var bitSize = 0
        // Kernel messages say `task_struct`, not `struct task_struct`.
        func shown(_ id: TypeID) -> String {
            let n = types.name(of: id)
            return n.hasPrefix("struct ") ? String(n.dropFirst(7)) : n
        }
        func select(_ name: String) throws {
            let resolved = types.resolved(current)
            switch types.shape(of: resolved) {
            case .structure, .union: break
            case .pointer: throw MemberPathError.wrongConnector(type: shown(current), member: name, use: "->")
            default: throw MemberPathError.notAggregate(type: shown(current), member: name)
            }
            guard let m = types.member(of: resolved, named: name) else {
                throw MemberPathError.noMember(type: shown(current), member: name, suggestion: types.suggestMember(of: resolved, near: name))
            }
            offsetBits += m.bitOffset
            bitSize = m.bitSize
            current = m.type
        }
        for step in path.steps {
            switch step {
            case .member(let name):
                try select(name)
            case .arrow(let name):
                guard case .pointer(let target) = types.shape(of: types.resolved(current)) else {
                    throw MemberPathError.wrongConnector(type: shown(current), member: name, use: ".")
                }
                guard types.size(of: target) != nil else { throw MemberPathError.opaque(type: shown(current), member: name) }
                hops.append(UInt64(offsetBits / 8))
                offsetBits = 0
                bitSize = 0
                current = target
                try select(name)
            case .index(let i):
                switch types.shape(of: types.resolved(current)) {
                case .array(let element, let count):
                    // count 0: a flexible array member (`struct x items[]`).
                    if count > 0, i >= count { throw MemberPathError.indexOutOfRange(type: shown(current), index: i, count: count) }
                    offsetBits += i * (types.size(of: element) ?? 0) * 8
                    current = element
                case .pointer(let element):
                    guard let size = types.size(of: element) else { throw MemberPathError.opaque(type: shown(current), member: "[\(i)]") }
                    hops.append(UInt64(offsetBits / 8))
                    offsetBits = i * size * 8
                    current = element
                default:
                    throw MemberPathError.notIndexable(type: shown(current), index: i)
                }
                bitSize = 0
            }
        }
        let resolved = types.resolved(current)
        let kind: MemberAccessor.Kind
        switch types.shape(of: resolved) {
        case .integer(_, _, let signed, _, _): kind = signed ? .signed : .unsigned
        case .enumeration(_, _, let signed): kind = signed ? .signed : .unsigned
        case .pointer: kind = .pointer
        case .float: kind = .float
        case .array(let element, _): kind = Self.isCharacter(element, types) ? .charArray : .bytes
        case .structure, .union: kind = .bytes
        default: throw MemberPathError.unreadableKind(type: types.name(of: current), path: path.text)
        }
        let size = bitSize > 0 ? (offsetBits % 8 + bitSize + 7) / 8 : (types.size(of: current) ?? 0)
        return MemberAccessor(hops: hops, offset: UInt64(offsetBits / 8), type: current, typeName: types.name(of: current),
                              size: size, bitShift: bitSize > 0 ? offsetBits % 8 : 0, bitSize: bitSize, kind: kind,
                              container: containerName ?? types.name(of: container), path: path)
    }

    /// `char`, `signed char`, `unsigned char` (through qualifiers, not
    /// through typedefs: a `u8 [16]` is bytes, a `char [16]` text).
    static func isCharacter(_ element: TypeID, _ types: any TypeInfo) -> Bool {
        var id = element
        for _ in 0..<8 {
            switch types.shape(of: id) {
            case .qualifier(_, let to): id = to
            case .integer(let name, let size, _, let isChar, _):
                return size == 1 && (isChar || name == "char" || name == "signed char" || name == "unsigned char")
            default: return false
            }
        }
        return false
    }

    /// The address of the accessor's value in the object at `base`, following
    /// its pointers; nil when one of them is NULL.
    public func address(of accessor: MemberAccessor, in base: UInt64) throws -> UInt64? {
        var object = base
        for hop in accessor.hops {
            object = try readU64(object &+ hop)
            if object == 0 { return nil }
        }
        return object &+ accessor.offset
    }

    /// The value of the accessor's member in the object at `base`. A NULL
    /// pointer on the way gives `.null`; memory the dump lacks throws (the
    /// SQL layer turns that into NULL plus a warning).
    public func value(of accessor: MemberAccessor, in base: UInt64) throws -> MemberValue {
        guard let address = try address(of: accessor, in: base) else { return .null }
        switch accessor.kind {
        case .signed, .unsigned:
            let raw = try readBits(address, accessor)
            let bits = accessor.bitSize > 0 ? accessor.bitSize : accessor.size * 8
            if accessor.kind == .signed, bits < 64 {
                let sign: UInt64 = 1 << UInt64(bits - 1)
                return .integer(Int64(bitPattern: (raw ^ sign) &- sign))
            }
            // A 64-bit unsigned value keeps its bit pattern (SQLite has no u64).
            return .integer(Int64(bitPattern: raw))
        case .pointer:
            return .integer(Int64(bitPattern: try readU64(address)))
        case .float:
            switch accessor.size {
            case 4: return .real(Double(Float(bitPattern: try readU32(address))))
            case 8: return .real(Double(bitPattern: try readU64(address)))
            default: return .bytes(try read(address, count: accessor.size))
            }
        case .charArray:
            return .text(try readCString(address, maxLength: max(accessor.size, 1)))
        case .bytes:
            return .bytes(try read(address, count: accessor.size))
        }
    }

    /// An integer of 1, 2, 4 or 8 bytes, or a bitfield, zero-extended.
    private func readBits(_ address: UInt64, _ a: MemberAccessor) throws -> UInt64 {
        if a.bitSize > 0 {
            var raw: UInt64 = 0
            for (i, b) in try read(address, count: min(a.size, 8)).enumerated() { raw |= UInt64(b) << UInt64(8 * i) }
            let value = raw >> UInt64(a.bitShift)
            return a.bitSize >= 64 ? value : value & ((1 << UInt64(a.bitSize)) - 1)
        }
        switch a.size {
        case 1: return UInt64(try readU8(address))
        case 2: return UInt64(try readU16(address))
        case 4: return UInt64(try readU32(address))
        case 8: return try readU64(address)
        default:
            var raw: UInt64 = 0
            for (i, b) in try read(address, count: min(a.size, 8)).enumerated() { raw |= UInt64(b) << UInt64(8 * i) }
            return raw
        }
    }

    /// The value of `path` in the object of type `type` at `base` (the
    /// `kd_member` function).
    public func memberValue(at base: UInt64, type: String, path: String) throws -> MemberValue {
        try value(of: try accessor(type, path), in: base)
    }
}

// MARK: - Symbol-rooted paths

/// A path that starts at a global: `init_task.tasks`, `modules`,
/// `runqueues.nr_running`. The first name is the symbol; the rest is a
/// member path inside the symbol's type.
public struct SymbolPath: Sendable, Equatable {
    public var symbol: String
    /// The rest of the path (empty: the symbol itself).
    public var member: MemberPath

    public static func parse(_ text: String) throws(MemberPathError) -> SymbolPath {
        let whole = try MemberPath.parse(text)
        guard case .member(let symbol)? = whole.steps.first else {
            throw .syntax(path: text, position: 0, expected: "a symbol name")
        }
        var rest = whole
        rest.steps.removeFirst()
        rest.text = String(text.trimmingSpaces.dropFirst(symbol.count))
        if rest.text.hasPrefix(".") { rest.text.removeFirst() }
        return SymbolPath(symbol: symbol, member: rest)
    }
}

extension Kernel {
    /// The type of a global, from kdsql's table of the globals it knows
    /// (`KernelGlobals`): kernel BTF records the types of per-CPU variables
    /// only, not of the other globals.
    public func globalType(_ symbol: String) throws -> TypeID {
        // Array spellings (`unsigned long [3]`) name no type the type info
        // can look up; those globals are read through kd_member.
        if let spelling = KernelGlobals.types[symbol], let id = try? userType(spelling) { return id }
        throw MemberPathError.unknownGlobalType(symbol: symbol)
    }

    /// The accessor of a symbol-rooted path, or nil when the path is the
    /// symbol alone and its type is not known (its address is still known).
    public func accessor(symbolPath: SymbolPath) throws -> MemberAccessor? {
        let root: TypeID
        do {
            root = try globalType(symbolPath.symbol)
        } catch {
            if symbolPath.member.steps.isEmpty { return nil }
            throw error
        }
        return try accessor(in: root, named: symbolPath.symbol, symbolPath.member)
    }

    /// The address a symbol-rooted path names (`init_task.tasks` is
    /// `&init_task.tasks`), following `->` on the way; nil when a pointer on
    /// the way is NULL. Unknown symbols throw `MemberPathError.unknownSymbol`.
    public func address(ofSymbolPath text: String) throws -> UInt64? {
        let path = try SymbolPath.parse(text)
        let base = try symbolAddress(path.symbol)
        guard let accessor = try accessor(symbolPath: path) else { return base }
        return try address(of: accessor, in: base)
    }

    /// The value at a symbol-rooted path (`kd_value('jiffies')`,
    /// `kd_value('init_task', 'comm')`).
    public func value(ofSymbolPath text: String) throws -> MemberValue {
        let path = try SymbolPath.parse(text)
        let base = try symbolAddress(path.symbol)
        guard let accessor = try accessor(symbolPath: path) else { throw MemberPathError.unknownGlobalType(symbol: path.symbol) }
        return try value(of: accessor, in: base)
    }

    /// A symbol's address, as a `MemberPathError` when unknown.
    public func symbolAddress(_ name: String) throws -> UInt64 {
        do { return try address(of: name) } catch { throw MemberPathError.unknownSymbol(name) }
    }
}
