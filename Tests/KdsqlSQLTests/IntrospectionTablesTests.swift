import Testing
import KdsqlDebugInfo
import KdsqlSQL

/// A tiny hand-made type graph: `struct point { int x; int y; union { int z; }; }`,
/// a pointer to it and a typedef `point_t`.
final class FakeTypes: TypeInfo {
    func shape(of id: TypeID) -> TypeShape {
        switch id.raw {
        case 1: .integer(name: "int", size: 4, signed: true, isChar: false, isBool: false)
        case 2: .structure(name: "point", size: 12)
        case 3: .union(name: nil, size: 4)
        case 4: .pointer(to: TypeID(2))
        case 5: .typedef(name: "point_t", to: TypeID(2))
        default: .void
        }
    }
    func members(of id: TypeID) -> [TypeMember] {
        switch id.raw {
        case 2: [TypeMember(name: "x", type: TypeID(1), bitOffset: 0, bitSize: 0),
                 TypeMember(name: "y", type: TypeID(1), bitOffset: 32, bitSize: 0),
                 TypeMember(name: "", type: TypeID(3), bitOffset: 64, bitSize: 0)]
        case 3: [TypeMember(name: "z", type: TypeID(1), bitOffset: 0, bitSize: 3)]
        default: []
        }
    }
    func enumerators(of id: TypeID) -> [(name: String, value: Int64)] { [] }
    func findType(named name: String, kind: TypeKindFilter) -> TypeID? {
        switch (name, kind) {
        case ("point", .structure), ("point", .any): TypeID(2)
        case ("point_t", .typedef), ("point_t", .any): TypeID(5)
        case ("int", .integer), ("int", .any): TypeID(1)
        default: nil
        }
    }
    var typeCount: Int { 5 }
}

@Suite("Introspection tables over synthetic type information")
struct IntrospectionTablesTests {
    func database() throws -> KdsqlDatabase {
        let context = ConnectionContext()
        context.types = FakeTypes()
        return try KdsqlDatabase(context: context)
    }

    @Test func typesListsEveryIdWithKindNameAndSize() throws {
        let rows = try database().query("SELECT id, kind, name, size FROM types")
        #expect(rows == [
            [.integer(0), .text("void"), .text("void"), .null],
            [.integer(1), .text("int"), .text("int"), .integer(4)],
            [.integer(2), .text("struct"), .text("point"), .integer(12)],
            [.integer(3), .text("union"), .null, .integer(4)],
            [.integer(4), .text("ptr"), .null, .integer(8)],
            [.integer(5), .text("typedef"), .text("point_t"), .integer(12)],
        ])
    }

    @Test func typeIdEqualityVisitsOneRow() throws {
        let db = try database()
        #expect(try db.query("SELECT name FROM types WHERE id = 5") == [[.text("point_t")]])
        #expect(db.context.rowsVisited["types"] == 1)
    }

    @Test func membersOfAnonymousUnionsAreFlattenedWithAbsoluteOffsets() throws {
        let db = try database()
        let rows = try db.query("SELECT member, offset, bit_offset, bit_size, size, member_type FROM type_members WHERE type_name = 'point'")
        #expect(rows == [
            [.text("x"), .integer(0), .integer(0), .integer(0), .integer(4), .text("int")],
            [.text("y"), .integer(4), .integer(32), .integer(0), .integer(4), .text("int")],
            [.text("z"), .integer(8), .integer(64), .integer(3), .integer(4), .text("int")],
        ])
        #expect(db.context.rowsVisited["type_members"] == 3)
    }

    @Test func typeMembersWithoutATypeNameWalksEveryNamedStruct() throws {
        #expect(try database().query("SELECT DISTINCT type_name FROM type_members") == [[.text("point")]])
    }

    @Test func unknownTypeNameGivesNoRows() throws {
        #expect(try database().query("SELECT * FROM type_members WHERE type_name = 'nope'").isEmpty)
    }
}
