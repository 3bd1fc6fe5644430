import Synchronization

/// Kernel type information from a BTF blob (the vmlinux `.BTF` section, which
/// the kernel image keeps between `__start_BTF` and `__stop_BTF`).
///
/// Format: include/uapi/linux/btf.h and Documentation/bpf/btf.rst. The blob is
/// `struct btf_header`, then a type section of variable-length records
/// (`struct btf_type` + kind-specific data) whose ids count up from 1 (0 is
/// void), then a string section of NUL-terminated names.
///
/// Opening is one pass that checks every record's bounds and name offset and
/// records where it starts; nothing else. The name index is built on the first
/// `findType`, members are decoded when asked for. A vmlinux BTF is ~4 MB with
/// ~100k types, and a kdsql process has ~45 ms in all.
public final class BTFTypeInfo: TypeInfo, TypeCatalog, @unchecked Sendable {
    // @unchecked Sendable: the blob and offsets never change after init; the
    // two lazily built parts are behind Mutexes.

    /// The blob: a private copy (freed in deinit), or memory `owner` keeps
    /// mapped and unchanged (a cache file mapped read-only).
    private let blob: UnsafeRawBufferPointer
    private let ownedBlob: UnsafeMutableRawBufferPointer?
    private let owner: AnyObject?
    /// Byte offset of each type's record in the blob, indexed by type id
    /// (entry 0, void, is unused).
    private let offsets: U32Words
    private let stringBase: Int
    private let stringLength: Int
    private let nameIndex = Mutex<ByteNameIndex?>(nil)
    private let memberCache = Mutex<[UInt32: [TypeMember]]>([:])

    /// Bounds the member cache: a query touches a few dozen struct types.
    private static let memberCacheLimit = 1024

    /// Parses a BTF blob. Throws `DebugInfoError.malformed` for a wrong magic
    /// (including big-endian BTF), a truncated header, sections that run past
    /// the end of the blob, a record that runs past the end of the type section,
    /// an unknown kind, or a name offset outside the string section.
    public convenience init(bytes: [UInt8]) throws {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress, let d = copy.baseAddress { d.copyMemory(from: s, byteCount: src.count) }
        }
        let blob = UnsafeRawBufferPointer(rebasing: copy[0..<bytes.count])
        let layout: Layout
        do {
            layout = try BTFTypeInfo.parse(blob)
        } catch {
            copy.deallocate()
            throw error
        }
        self.init(blob: blob, layout: layout, ownedBlob: copy, owner: nil)
    }

    /// Parses a BTF blob in place, without a copy: `owner` keeps `blob`'s
    /// memory alive and unchanged for as long as this object lives (a cache
    /// file mapped read-only: its pages come from the kernel's page cache,
    /// where a copy would fault in and fill 4 MiB of fresh memory per process).
    /// Checks as `init(bytes:)` does.
    public convenience init(borrowing blob: UnsafeRawBufferPointer, owner: AnyObject) throws {
        self.init(blob: blob, layout: try BTFTypeInfo.parse(blob), ownedBlob: nil, owner: owner)
    }

    /// Parses nothing: takes the blob in place as `init(borrowing:owner:)`
    /// does, with the record offsets and name index read in place from
    /// `index` (which `owner` keeps alive and unchanged too), which
    /// `persistentIndex()` made for this very blob (the BTF cache keeps the
    /// two in one file under one fingerprint). Throws if `index` is not such
    /// an index for a blob of this size; every offset and stored id is
    /// bounds-checked, and the name table must hold as many names as it
    /// says, so a wrong index can neither make a read leave the blob nor a
    /// lookup probe for ever.
    public convenience init(borrowing blob: UnsafeRawBufferPointer, owner: AnyObject, index: UnsafeRawBufferPointer) throws {
        let stored = try StoredIndex(index, blobSize: blob.count)
        self.init(blob: blob, layout: stored.layout, ownedBlob: nil, owner: owner)
        nameIndex.withLock { $0 = stored.names }
    }

    private init(blob: UnsafeRawBufferPointer, layout: Layout, ownedBlob: UnsafeMutableRawBufferPointer?, owner: AnyObject?) {
        self.offsets = layout.offsets
        self.stringBase = layout.stringBase
        self.stringLength = layout.stringLength
        self.blob = blob
        self.ownedBlob = ownedBlob
        self.owner = owner
    }

    deinit { ownedBlob?.deallocate() }

    // MARK: - Stored index

    /// The record offsets and the name index, serialised (all little-endian
    /// u32): "KDSQLBTI", version 1, number of offsets, string base, string
    /// length, name-table capacity, names stored, blob size, then the offsets,
    /// the name table's slots and its hashes.
    public func persistentIndex() -> [UInt8] {
        let names = nameIndex.withLock { slot -> ByteNameIndex in
            if slot == nil { slot = buildNameIndex() }
            return slot!
        }
        let (slots, hashes) = names.storage
        var out: [UInt8] = Array(StoredIndex.magic.utf8)
        func put(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { out += $0 } }
        for v in [StoredIndex.version, offsets.count, stringBase, stringLength, slots.count, names.count, blob.count] { put(v) }
        out.reserveCapacity(out.count + 4 * (offsets.count + 2 * slots.count))
        for i in 0..<offsets.count { put(Int(offsets[i])) }
        for v in slots { put(Int(v)) }
        for v in hashes { put(Int(v)) }
        return out
    }

    private struct StoredIndex {
        static let magic = "KDSQLBTI"
        static let version = 1
        static let headerSize = 8 + 7 * 4
        var layout: Layout
        var names: ByteNameIndex

        init(_ b: UnsafeRawBufferPointer, blobSize: Int) throws {
            func bad(_ why: String) -> DebugInfoError { .malformed(what: "stored BTF index", detail: why) }
            guard b.count >= Self.headerSize, b.prefix(8).elementsEqual(Self.magic.utf8) else { throw bad("no KDSQLBTI header") }
            func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
            let (version, count, base, length, capacity, stored, size) = (u32(8), u32(12), u32(16), u32(20), u32(24), u32(28), u32(32))
            guard version == Self.version else { throw bad("version \(version), kdsql writes \(Self.version)") }
            guard size == blobSize, count >= 1, base + length <= blobSize, length > 0,
                  b.count == Self.headerSize + 4 * (count + 2 * capacity) else { throw bad("sizes do not match the blob") }
            // Read in place: `b` lies in the mapped cache file, which the
            // BTFTypeInfo keeps (its owner) for as long as it lives.
            func words(_ at: Int, _ n: Int) -> U32Words {
                U32Words(borrowing: UnsafeRawBufferPointer(rebasing: b[at..<(at + 4 * n)]))
            }
            let offsets = words(Self.headerSize, count)
            // Every record's fixed 12 bytes lie inside the blob, before the strings.
            for i in 1..<count where Int(offsets[i]) + 12 > blobSize { throw bad("a record offset lies outside the blob") }
            let slots = words(Self.headerSize + 4 * count, capacity)
            // A slot holds a type id + 1 (0: empty), and ids run 1..<count;
            // as many slots are taken as the header says, so a lookup always
            // reaches an empty one.
            var taken = 0
            for i in 0..<capacity {
                let s = Int(slots[i])
                guard s < count else { throw bad("a name names no type") }
                if s != 0 { taken += 1 }
            }
            guard taken == stored else { throw bad("\(taken) names in the table, the header says \(stored)") }
            guard let names = ByteNameIndex(slots: slots, hashes: words(Self.headerSize + 4 * (count + capacity), capacity), count: stored) else {
                throw bad("name table of \(capacity) slots holding \(stored)")
            }
            self.names = names
            layout = Layout(offsets: offsets, stringBase: base, stringLength: length)
        }
    }

    // MARK: - Parsing

    private struct Layout {
        var offsets: U32Words
        var stringBase: Int
        var stringLength: Int
    }

    private static func malformed(_ detail: String) -> DebugInfoError {
        .malformed(what: "BTF", detail: detail)
    }

    private static func hex(_ v: Int) -> String { "0x" + String(v, radix: 16) }

    /// Checks `struct btf_header` and walks the type section once.
    private static func parse(_ b: UnsafeRawBufferPointer) throws -> Layout {
        let size = b.count
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }

        guard size >= 4 else {
            throw malformed("blob is \(size) bytes, shorter than the 24-byte btf_header; the BTF was not found or not read whole")
        }
        let magic = UInt16(littleEndian: b.loadUnaligned(as: UInt16.self))
        guard magic == 0xeB9F else {
            if magic == 0x9FeB {
                throw malformed("magic 0xeb9f is byte-swapped (big-endian BTF); only little-endian kernels are supported")
            }
            throw malformed("bad magic 0x\(String(magic, radix: 16)) at offset 0 (expected 0xeb9f); these bytes are not BTF")
        }
        guard size >= 24 else {
            throw malformed("truncated header: blob is \(size) bytes, btf_header needs 24")
        }
        let version = b[2]
        guard version == 1 else { throw malformed("unsupported version \(version) at offset 2 (expected 1)") }
        let hdrLen = u32(4)
        guard hdrLen >= 24, hdrLen <= size else {
            throw malformed("header length \(hdrLen) at offset 4 is outside 24...\(size) (blob size)")
        }
        let typeOff = u32(8), typeLen = u32(12), strOff = u32(16), strLen = u32(20)
        let typeBase = hdrLen + typeOff, stringBase = hdrLen + strOff
        guard typeBase + typeLen <= size else {
            throw malformed("type section \(hex(typeBase))+\(typeLen) runs past the end of the \(size)-byte blob")
        }
        guard stringBase + strLen <= size else {
            throw malformed("string section \(hex(stringBase))+\(strLen) runs past the end of the \(size)-byte blob")
        }
        guard strLen > 0, b[stringBase] == 0, b[stringBase + strLen - 1] == 0 else {
            throw malformed("string section at \(hex(stringBase)) (\(strLen) bytes) must start and end with a NUL byte")
        }

        // One pass: every record's bounds, kind and name offset. Ids are the
        // record positions, so this is also the id -> offset table.
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(typeLen / 24 + 1)
        var p = typeBase
        let end = typeBase + typeLen
        while p < end {
            let id = offsets.count
            guard p + 12 <= end else {
                throw malformed("type #\(id) at offset \(hex(p)): its 12-byte btf_type runs past the end of the type section (\(hex(end)))")
            }
            let nameOff = u32(p), info = u32(p + 4)
            let kind = UInt32((info >> 24) & 0x1f), vlen = info & 0xffff
            guard let extra = BTFKind.trailingBytes(kind: kind, vlen: vlen) else {
                throw malformed("type #\(id) at offset \(hex(p)) has unknown kind \(kind); this BTF is newer than kdsql")
            }
            guard nameOff < strLen else {
                throw malformed("type #\(id) at offset \(hex(p)): name offset \(nameOff) is outside the \(strLen)-byte string section")
            }
            guard p + 12 + extra <= end else {
                throw malformed("type #\(id) at offset \(hex(p)) (\(BTFKind(rawValue: UInt8(kind))!.name), vlen \(vlen)) runs past the end of the type section (\(hex(end)))")
            }
            // Names of members and enumerators are checked here too, so that
            // later lookups need no failure path. First u32 of each entry.
            if kind == 4 || kind == 5 || kind == 6 || kind == 19 || kind == 13 {
                let stride = kind == 6 || kind == 13 ? 8 : 12
                var q = p + 12
                for _ in 0..<vlen {
                    guard u32(q) < strLen else {
                        throw malformed("type #\(id) at offset \(hex(p)): member name offset \(u32(q)) at \(hex(q)) is outside the \(strLen)-byte string section")
                    }
                    q += stride
                }
            }
            offsets.append(UInt32(p))
            p += 12 + extra
        }
        return Layout(offsets: U32Words(offsets), stringBase: stringBase, stringLength: strLen)
    }

    // MARK: - Raw record access

    @inline(__always) private func u32(_ at: Int) -> UInt32 {
        UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    /// Offset of the record of `id`, nil for void and ids past the last type.
    @inline(__always) private func record(_ id: TypeID) -> Int? {
        let i = Int(id.raw)
        guard i > 0, i < offsets.count else { return nil }
        return Int(offsets[i])
    }

    @inline(__always) private func kindCode(at r: Int) -> UInt32 { (u32(r + 4) >> 24) & 0x1f }
    @inline(__always) private func vlen(at r: Int) -> Int { Int(u32(r + 4) & 0xffff) }
    @inline(__always) private func kindFlag(at r: Int) -> Bool { u32(r + 4) >> 31 != 0 }
    /// The `size` / `type` union of `struct btf_type`.
    @inline(__always) private func sizeOrType(at r: Int) -> UInt32 { u32(r + 8) }

    /// The NUL-terminated name at `offset` in the string section (checked in
    /// the open pass, and the section ends with NUL, so the scan stops).
    @inline(__always) private func nameBytes(_ offset: UInt32) -> UnsafeRawBufferPointer {
        let start = stringBase + Int(offset)
        var e = start
        while blob[e] != 0 { e += 1 }
        return UnsafeRawBufferPointer(rebasing: blob[start..<e])
    }

    @inline(__always) private func string(_ offset: UInt32) -> String {
        String(decoding: nameBytes(offset), as: UTF8.self)
    }

    private func optionalName(_ offset: UInt32) -> String? { offset == 0 ? nil : string(offset) }

    // MARK: - Per-type questions

    /// The BTF kind of a type, nil for void or an id past the last type.
    public func kind(of id: TypeID) -> BTFKind? {
        record(id).flatMap { BTFKind(rawValue: UInt8(kindCode(at: $0))) }
    }

    /// The type's own name (struct tag, typedef, function, variable, section),
    /// nil when it has none.
    public func typeName(of id: TypeID) -> String? {
        record(id).flatMap { optionalName(u32($0)) }
    }

    public var typeCount: Int { offsets.count - 1 }

    public func shape(of id: TypeID) -> TypeShape {
        if id.raw == 0 { return .void }
        guard let r = record(id), let kind = BTFKind(rawValue: UInt8(kindCode(at: r))) else {
            return .other(kind: "invalid type id \(id.raw)")
        }
        let nameOff = u32(r), st = sizeOrType(at: r)
        switch kind {
        case .int:
            let encoding = (u32(r + 12) >> 24) & 0x0f
            return .integer(name: string(nameOff), size: Int(st), signed: encoding & 1 != 0,
                            isChar: encoding & 2 != 0, isBool: encoding & 4 != 0)
        case .float: return .float(name: string(nameOff), size: Int(st))
        case .ptr: return .pointer(to: TypeID(st))
        case .array: return .array(of: TypeID(u32(r + 12)), count: Int(u32(r + 20)))
        case .structure: return .structure(name: optionalName(nameOff), size: Int(st))
        case .union: return .union(name: optionalName(nameOff), size: Int(st))
        case .enumeration, .enumeration64:
            // kind_flag marks a signed enum (btf.rst, BTF_KIND_ENUM).
            return .enumeration(name: optionalName(nameOff), size: Int(st), signed: kindFlag(at: r))
        case .forward: return .forward(name: string(nameOff), isUnion: kindFlag(at: r))
        case .typedef: return .typedef(name: string(nameOff), to: TypeID(st))
        case .volatile, .const, .restrict: return .qualifier(kind: kind.name, to: TypeID(st))
        // A type tag is btf_type_tag("user") etc.: the kernel spells it __user.
        case .typeTag: return .qualifier(kind: "__" + string(nameOff), to: TypeID(st))
        case .function: return .function(name: optionalName(nameOff))
        case .functionProto: return .function(name: nil)
        case .variable, .dataSection, .declTag: return .other(kind: kind.name)
        }
    }

    /// Direct members of a struct or union; empty for any other type.
    /// With kind_flag set, `btf_member.offset` holds the bitfield size in its
    /// top 8 bits and the bit offset in the low 24; without it, the offset is
    /// all bit offset and a bitfield is an INT member whose encoding has
    /// fewer bits than its size (or a bit offset of its own).
    public func members(of id: TypeID) -> [TypeMember] {
        guard let r = record(id) else { return [] }
        let kind = kindCode(at: r)
        guard kind == 4 || kind == 5 else { return [] }
        if let cached = memberCache.withLock({ $0[id.raw] }) { return cached }

        let n = vlen(at: r), bitfieldOffsets = kindFlag(at: r)
        var result: [TypeMember] = []
        result.reserveCapacity(n)
        var q = r + 12
        for _ in 0..<n {
            let type = TypeID(u32(q + 4)), raw = u32(q + 8)
            var member = TypeMember(name: string(u32(q)), type: type, bitOffset: Int(raw), bitSize: 0)
            if bitfieldOffsets {
                member.bitOffset = Int(raw & 0xff_ffff)
                member.bitSize = Int(raw >> 24)
            } else if let t = record(type), kindCode(at: t) == 1 {
                let encoding = u32(t + 12)
                let bits = Int(encoding & 0xff), intOffset = Int((encoding >> 16) & 0xff)
                if bits != Int(sizeOrType(at: t)) * 8 || intOffset != 0 {
                    member.bitSize = bits
                    member.bitOffset += intOffset
                }
            }
            result.append(member)
            q += 12
        }
        memberCache.withLock { cache in
            if cache.count >= BTFTypeInfo.memberCacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[id.raw] = result
        }
        return result
    }

    /// Enumerators of an ENUM (value signed or unsigned 32-bit per kind_flag)
    /// or ENUM64 (two u32 halves); empty for any other type.
    public func enumerators(of id: TypeID) -> [(name: String, value: Int64)] {
        guard let r = record(id) else { return [] }
        let kind = kindCode(at: r), n = vlen(at: r), signed = kindFlag(at: r)
        var result: [(name: String, value: Int64)] = []
        if kind == 6 {
            result.reserveCapacity(n)
            for i in 0..<n {
                let e = r + 12 + 8 * i, raw = u32(e + 4)
                result.append((string(u32(e)), signed ? Int64(Int32(bitPattern: raw)) : Int64(raw)))
            }
        } else if kind == 19 {
            result.reserveCapacity(n)
            for i in 0..<n {
                let e = r + 12 + 12 * i
                let bits = UInt64(u32(e + 4)) | UInt64(u32(e + 8)) << 32
                result.append((string(u32(e)), Int64(bitPattern: bits)))
            }
        }
        return result
    }

    // MARK: - Name lookup

    /// Namespaces of the name index. A FWD goes into the struct or union one
    /// (kind_flag), ranked below any definition.
    private enum Namespace: UInt32 {
        case structure = 1, union, enumeration, typedef, base
    }

    /// Namespace and rank of a record: definitions with members (2) beat
    /// empty ones (1) beat forward declarations (0).
    @inline(__always) private func namespaceAndRank(at r: Int) -> (Namespace, Int)? {
        switch kindCode(at: r) {
        case 4: return (.structure, vlen(at: r) > 0 ? 2 : 1)
        case 5: return (.union, vlen(at: r) > 0 ? 2 : 1)
        case 6, 19: return (.enumeration, vlen(at: r) > 0 ? 2 : 1)
        case 7: return (kindFlag(at: r) ? .union : .structure, 0)
        case 8: return (.typedef, 2)
        case 1, 16: return (.base, 2)
        default: return nil
        }
    }

    /// Builds the name index: hashes each named struct/union/enum/typedef/
    /// base type's name in place in the string section.
    private func buildNameIndex() -> ByteNameIndex {
        var candidates: [UInt32] = []
        candidates.reserveCapacity(offsets.count / 3)
        for id in 1..<offsets.count {
            let r = Int(offsets[id])
            if u32(r) != 0, namespaceAndRank(at: r) != nil { candidates.append(UInt32(id)) }
        }
        var index = ByteNameIndex(expected: candidates.count)
        for id in candidates {
            let r = Int(offsets[Int(id)])
            let nameOff = u32(r)
            let (space, rank) = namespaceAndRank(at: r)!
            let h = ByteNameIndex.hash(nameBytes(nameOff), seed: space.rawValue)
            index.insert(
                hash: h, value: id,
                matches: { other in
                    let o = Int(offsets[Int(other)])
                    // BTF strings are deduplicated, so equal offsets are the
                    // common case; fall back to comparing bytes.
                    guard namespaceAndRank(at: o)!.0 == space else { return false }
                    let otherName = u32(o)
                    return otherName == nameOff || nameBytes(otherName).elementsEqual(nameBytes(nameOff))
                },
                better: { existing in namespaceAndRank(at: Int(offsets[Int(existing)]))!.1 < rank })
        }
        return index
    }

    private func lookup(_ name: String, in space: Namespace, index: ByteNameIndex) -> TypeID? {
        var name = name
        return name.withUTF8 { wanted -> TypeID? in
            let raw = UnsafeRawBufferPointer(wanted)
            let h = ByteNameIndex.hash(raw, seed: space.rawValue)
            let found = index.find(hash: h) { candidate in
                let o = Int(offsets[Int(candidate)])
                return namespaceAndRank(at: o)!.0 == space && nameBytes(u32(o)).elementsEqual(raw)
            }
            return found.map { TypeID($0) }
        }
    }

    /// First type of that kind and name. `.structure` prefers a definition
    /// with members over an empty one over a forward declaration (same for
    /// unions); `.integer` covers INT and FLOAT base types. For `.any`,
    /// structs win over typedefs over unions over enums over base types.
    public func findType(named name: String, kind: TypeKindFilter) -> TypeID? {
        nameIndex.withLock { slot -> TypeID? in
            if slot == nil { slot = buildNameIndex() }
            let index = slot!
            switch kind {
            case .structure: return lookup(name, in: .structure, index: index)
            case .union: return lookup(name, in: .union, index: index)
            case .enumeration: return lookup(name, in: .enumeration, index: index)
            case .typedef: return lookup(name, in: .typedef, index: index)
            case .integer: return lookup(name, in: .base, index: index)
            case .any:
                for space in [Namespace.structure, .typedef, .union, .enumeration, .base] {
                    if let id = lookup(name, in: space, index: index) { return id }
                }
                return nil
            }
        }
    }

    // MARK: - TypeCatalog

    public func summary(of id: TypeID) -> TypeSummary {
        guard let r = record(id), let kind = BTFKind(rawValue: UInt8(kindCode(at: r))) else {
            return TypeSummary(id: id, kind: id.raw == 0 ? "void" : "invalid", name: id.raw == 0 ? "void" : nil, size: nil)
        }
        let size: Int?
        switch kind {
        case .dataSection: size = Int(sizeOrType(at: r))
        case .function, .functionProto, .variable, .declTag: size = nil
        default: size = self.size(of: id)
        }
        return TypeSummary(id: id, kind: kind.name, name: optionalName(u32(r)), size: size)
    }
}
