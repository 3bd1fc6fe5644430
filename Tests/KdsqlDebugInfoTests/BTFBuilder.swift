/// Builds small BTF blobs by hand (layout from include/uapi/linux/btf.h) for
/// the rules the fixture cannot show on its own and for malformed input.
struct BTFBuilder {
    var strings: [UInt8] = [0]
    var types: [UInt8] = []
    private(set) var nextID: UInt32 = 1

    mutating func name(_ s: String?) -> UInt32 {
        guard let s else { return 0 }
        let offset = UInt32(strings.count)
        strings += Array(s.utf8) + [0]
        return offset
    }

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { types += $0 } }

    /// Appends a `struct btf_type`; the caller appends the kind's data.
    @discardableResult
    mutating func type(_ name: String?, kind: UInt32, vlen: Int = 0, kindFlag: Bool = false, sizeOrType: UInt32 = 0) -> UInt32 {
        u32(self.name(name))
        u32(kind << 24 | UInt32(vlen) | (kindFlag ? 1 << 31 : 0))
        u32(sizeOrType)
        defer { nextID += 1 }
        return nextID
    }

    @discardableResult
    mutating func int(_ name: String, size: UInt32, encoding: UInt32 = 0, bits: UInt32? = nil, offset: UInt32 = 0) -> UInt32 {
        let id = type(name, kind: 1, sizeOrType: size)
        u32(encoding << 24 | offset << 16 | (bits ?? size * 8))
        return id
    }

    @discardableResult
    mutating func structure(_ name: String?, kind: UInt32 = 4, size: UInt32, kindFlag: Bool = false, members: [(String, UInt32, UInt32)]) -> UInt32 {
        let id = type(name, kind: kind, vlen: members.count, kindFlag: kindFlag, sizeOrType: size)
        for (n, t, off) in members { u32(self.name(n)); u32(t); u32(off) }
        return id
    }

    /// header (24 bytes) + types + strings.
    func blob(magic: UInt16 = 0xeB9F) -> [UInt8] {
        var out: [UInt8] = []
        func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        withUnsafeBytes(of: magic.littleEndian) { out += $0 }
        out += [1, 0]
        put32(24); put32(0); put32(UInt32(types.count)); put32(UInt32(types.count)); put32(UInt32(strings.count))
        return out + types + strings
    }
}
