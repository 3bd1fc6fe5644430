import Testing
import KdsqlDebugInfo

/// BTF decoding rules (Documentation/bpf/btf.rst) on hand-built blobs.
@Suite struct BTFFormatTests {
    @Test func structDefinitionWithMembersWinsOverForwardAndEmptyOnes() throws {
        var b = BTFBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        b.type("foo", kind: 7)  // FWD struct foo
        b.structure("foo", size: 0, members: [])
        let full = b.structure("foo", size: 4, members: [("x", int, 0)])
        b.structure("foo", size: 4, members: [("y", int, 0)])
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.findType(named: "foo", kind: .structure) == TypeID(full))
        #expect(btf.findType(named: "foo", kind: .any) == TypeID(full))
    }

    @Test func anyPrefersStructThenTypedefThenUnionThenEnumThenInteger() throws {
        var b = BTFBuilder()
        let int = b.int("n", size: 4)
        let e = b.type("n", kind: 6, vlen: 1, sizeOrType: 4); b.u32(b.name("N_A")); b.u32(7)
        let u = b.structure("n", kind: 5, size: 4, members: [("a", int, 0)])
        let t = b.type("n", kind: 8, sizeOrType: int)
        let s = b.structure("n", size: 4, members: [("a", int, 0)])
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.findType(named: "n", kind: .any) == TypeID(s))
        #expect(btf.findType(named: "n", kind: .typedef) == TypeID(t))
        #expect(btf.findType(named: "n", kind: .union) == TypeID(u))
        #expect(btf.findType(named: "n", kind: .enumeration) == TypeID(e))
        #expect(btf.findType(named: "n", kind: .integer) == TypeID(int))
    }

    @Test func kindFlagMemberOffsetsCarryBitfieldSizes() throws {
        var b = BTFBuilder()
        let uint = b.int("unsigned int", size: 4)
        let s = b.structure("bits", size: 4, kindFlag: true, members: [("a", uint, 3 << 24 | 0), ("b", uint, 5 << 24 | 3), ("c", uint, 0)])
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.members(of: TypeID(s)) == [
            TypeMember(name: "a", type: TypeID(uint), bitOffset: 0, bitSize: 3),
            TypeMember(name: "b", type: TypeID(uint), bitOffset: 3, bitSize: 5),
            TypeMember(name: "c", type: TypeID(uint), bitOffset: 0, bitSize: 0),
        ])
    }

    @Test func legacyIntBitfieldsWithoutKindFlagUseTheIntEncoding() throws {
        var b = BTFBuilder()
        let bits = b.int("unsigned int", size: 4, bits: 3, offset: 2)
        let s = b.structure("old", size: 8, members: [("f", bits, 32)])
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.members(of: TypeID(s)) == [TypeMember(name: "f", type: TypeID(bits), bitOffset: 34, bitSize: 3)])
    }

    @Test func intEncodingsAndEnumSignedness() throws {
        var b = BTFBuilder()
        let c = b.int("char", size: 1, encoding: 2)
        let bool = b.int("_Bool", size: 1, encoding: 4)
        let sl = b.int("long int", size: 8, encoding: 1)
        let se = b.type("s", kind: 6, vlen: 1, kindFlag: true, sizeOrType: 4); b.u32(b.name("MINUS")); b.u32(0xffff_ffff)
        let ue = b.type("u", kind: 6, vlen: 1, sizeOrType: 4); b.u32(b.name("BIG")); b.u32(0xffff_ffff)
        let e64 = b.type("w", kind: 19, vlen: 1, sizeOrType: 8); b.u32(b.name("WIDE")); b.u32(1); b.u32(2)
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.shape(of: TypeID(c)) == .integer(name: "char", size: 1, signed: false, isChar: true, isBool: false))
        #expect(btf.shape(of: TypeID(bool)) == .integer(name: "_Bool", size: 1, signed: false, isChar: false, isBool: true))
        #expect(btf.shape(of: TypeID(sl)) == .integer(name: "long int", size: 8, signed: true, isChar: false, isBool: false))
        #expect(btf.enumerators(of: TypeID(se)).map(\.value) == [-1])
        #expect(btf.enumerators(of: TypeID(ue)).map(\.value) == [4_294_967_295])
        #expect(btf.enumerators(of: TypeID(e64)).map(\.value) == [0x2_0000_0001])
        #expect(btf.shape(of: TypeID(e64)) == .enumeration(name: "w", size: 8, signed: false))
    }

    @Test func everyKindDecodesToAShape() throws {
        var b = BTFBuilder()
        let char = b.int("char", size: 1, encoding: 2)
        let tag = b.type("user", kind: 18, sizeOrType: char)
        let ptr = b.type(nil, kind: 2, sizeOrType: tag)
        let arr = b.type(nil, kind: 3); b.u32(char); b.u32(char); b.u32(16)
        let vol = b.type(nil, kind: 9, sizeOrType: char)
        let cst = b.type(nil, kind: 10, sizeOrType: vol)
        let rst = b.type(nil, kind: 11, sizeOrType: ptr)
        let proto = b.type(nil, kind: 13, vlen: 1, sizeOrType: char); b.u32(b.name("arg")); b.u32(ptr)
        let fn = b.type("f", kind: 12, sizeOrType: proto)
        let v = b.type("v", kind: 14, sizeOrType: char); b.u32(1)
        let ds = b.type(".data", kind: 15, vlen: 1, sizeOrType: 64); b.u32(v); b.u32(0); b.u32(1)
        let fl = b.type("double", kind: 16, sizeOrType: 8)
        let dt = b.type("tag", kind: 17, sizeOrType: fn); b.u32(0xffff_ffff)
        let fwdU = b.type("later", kind: 7, kindFlag: true)
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.typeCount == 14)
        #expect(btf.name(of: TypeID(ptr)) == "__user char *")
        #expect(btf.name(of: TypeID(arr)) == "char [16]")
        #expect(btf.name(of: TypeID(cst)) == "const volatile char")
        #expect(btf.shape(of: TypeID(rst)) == .qualifier(kind: "restrict", to: TypeID(ptr)))
        #expect(btf.shape(of: TypeID(fn)) == .function(name: "f"))
        #expect(btf.shape(of: TypeID(proto)) == .function(name: nil))
        #expect(btf.shape(of: TypeID(fl)) == .float(name: "double", size: 8))
        #expect(btf.shape(of: TypeID(fwdU)) == .forward(name: "later", isUnion: true))
        #expect(btf.summary(of: TypeID(v)) == TypeSummary(id: TypeID(v), kind: "var", name: "v", size: nil))
        #expect(btf.summary(of: TypeID(ds)) == TypeSummary(id: TypeID(ds), kind: "datasec", name: ".data", size: 64))
        #expect(btf.summary(of: TypeID(dt)).kind == "decl_tag")
        #expect(btf.size(of: TypeID(arr)) == 16)
    }

    @Test func idsOutsideTheBlobAreHarmless() throws {
        var b = BTFBuilder()
        let p = b.type(nil, kind: 2, sizeOrType: 999)  // points at a type that does not exist
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.name(of: TypeID(p)).hasPrefix("invalid type id 999"))
        #expect(btf.members(of: TypeID(12345)).isEmpty)
        #expect(btf.enumerators(of: TypeID(12345)).isEmpty)
        #expect(btf.shape(of: .void) == .void)
    }

    @Test func typesThatReferToThemselvesEndInsteadOfRecursingForever() throws {
        var b = BTFBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        let arr = b.type(nil, kind: 3); b.u32(arr); b.u32(int); b.u32(4)  // an array of itself
        let ptr = b.type(nil, kind: 2, sizeOrType: b.nextID)                  // a pointer to itself
        let cst = b.type(nil, kind: 10, sizeOrType: b.nextID)                 // const const const ...
        let anonymous = b.nextID
        // A struct whose anonymous members are that same struct, twice: a
        // fan-out that would take 2^depth steps without the visit budget.
        b.structure("loop", size: 8, members: [("", anonymous, 0), ("", anonymous, 0)])
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.size(of: TypeID(arr)) == nil)
        #expect(btf.name(of: TypeID(arr)).hasPrefix("<loop> [4]"))
        #expect(btf.name(of: TypeID(ptr)).hasPrefix("<loop> *"))
        #expect(btf.name(of: TypeID(cst)).hasSuffix("const <loop>"))
        #expect(btf.member(of: TypeID(anonymous), named: "missing") == nil)
        #expect(btf.memberNames(of: TypeID(anonymous)).isEmpty)
        #expect(btf.summary(of: TypeID(arr)).size == nil)
    }

    @Test func arraySizesThatOverflowHaveNoSize() throws {
        var b = BTFBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        let inner = b.type(nil, kind: 3); b.u32(int); b.u32(int); b.u32(0xffff_ffff)
        let outer = b.type(nil, kind: 3); b.u32(inner); b.u32(int); b.u32(0xffff_ffff)
        let outermost = b.type(nil, kind: 3); b.u32(outer); b.u32(int); b.u32(0xffff_ffff)
        let btf = try BTFTypeInfo(bytes: b.blob())
        #expect(btf.size(of: TypeID(inner)) == 4 * 0xffff_ffff)
        #expect(btf.size(of: TypeID(outermost)) == nil)
    }
}

/// Malformed blobs give `DebugInfoError.malformed` naming the problem, never a crash.
@Suite struct BTFMalformedTests {
    func detail(_ bytes: [UInt8]) -> String? {
        do { _ = try BTFTypeInfo(bytes: bytes); return nil } catch let e as DebugInfoError {
            guard case .malformed("BTF", let detail) = e else { return "wrong case \(e)" }
            return detail
        } catch { return "wrong error type \(error)" }
    }

    func valid() -> BTFBuilder {
        var b = BTFBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        b.structure("s", size: 4, members: [("x", int, 0)])
        return b
    }

    @Test func badMagic() {
        #expect(detail([0x12, 0x34] + valid().blob().dropFirst(2))?.contains("bad magic 0x3412") == true)
        #expect(detail(valid().blob(magic: 0x9FeB))?.contains("big-endian") == true)
        #expect(detail([])?.contains("0 bytes") == true)
    }

    @Test func truncatedHeader() {
        #expect(detail(Array(valid().blob().prefix(10)))?.contains("truncated header") == true)
    }

    @Test func sectionRunningPastTheEndOfTheBlob() {
        let blob = valid().blob()
        #expect(detail(Array(blob.dropLast(3)))?.contains("string section") == true)
        #expect(detail(Array(blob.prefix(30)))?.contains("section") == true)
    }

    @Test func recordRunningPastTheEndOfTheTypeSection() {
        var b = valid()
        b.type("big", kind: 4, vlen: 3, sizeOrType: 12)  // three members promised, none written
        b.u32(0)
        #expect(detail(b.blob())?.contains("runs past the end of the type section") == true)
    }

    @Test func nameOffsetOutsideTheStringSection() {
        var b = valid()
        b.u32(9999); b.u32(2 << 24); b.u32(1)  // PTR named at offset 9999
        #expect(detail(b.blob())?.contains("name offset 9999") == true)
        var m = valid()
        m.type("s2", kind: 4, vlen: 1, sizeOrType: 4); m.u32(7777); m.u32(1); m.u32(0)
        #expect(detail(m.blob())?.contains("member name offset 7777") == true)
    }

    @Test func unknownKind() {
        var b = valid()
        b.type("x", kind: 25)
        #expect(detail(b.blob())?.contains("unknown kind 25") == true)
    }

    @Test func stringSectionWithoutTerminatingNul() {
        var b = valid()
        b.strings.append(0x41)
        #expect(detail(b.blob())?.contains("NUL") == true)
    }

    @Test func everyPrefixOfARealBlobIsRejectedCleanly() throws {
        let bytes = try FixtureKernel.get().btfBytes
        for n in [0, 1, 3, 23, 24, 100, 4096, bytes.count / 2, bytes.count - 1] {
            #expect(detail(Array(bytes.prefix(n))) != nil, "prefix \(n)")
        }
    }
}
