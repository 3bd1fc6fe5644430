import Testing
import FixtureSupport
import KdsqlDebugInfo

/// The kernel BTF read out of the sysrq fixture dump, checked against the
/// kernel's own VMCOREINFO and against v6.1 source (include/linux/sched.h,
/// include/linux/pid.h, include/linux/types.h).
@Suite struct BTFFixtureTests {
    let kernel: FixtureKernel.Loaded
    var btf: BTFTypeInfo { kernel.btf }
    init() throws { kernel = try FixtureKernel.get() }

    func taskStruct() throws -> TypeID { try #require(btf.findType(named: "task_struct", kind: .structure)) }

    @Test func taskStructHasStateRenamedToUnderscoreState() throws {
        let ts = try taskStruct()
        #expect(btf.member(of: ts, named: "__state") != nil)
        #expect(btf.member(of: ts, named: "state") == nil)
        #expect(btf.suggestMember(of: ts, near: "state") == "__state")
    }

    @Test func commIsSixteenChars() throws {
        let comm = try #require(btf.member(of: try taskStruct(), named: "comm"))
        #expect(btf.name(of: comm.type) == "char [16]")
        #expect(btf.size(of: comm.type) == 16)
    }

    @Test func everySizeAndOffsetInVmcoreinfoAgrees() throws {
        var checked = 0, total = 0
        for (key, value) in kernel.vmcoreinfo.entries {
            if key.hasPrefix("SIZE(") {
                total += 1
                let name = String(key.dropFirst(5).dropLast())
                guard let t = btf.findType(named: name, kind: .any), let size = btf.size(of: t) else { continue }
                #expect(String(size) == value, "\(key)")
                checked += 1
            } else if key.hasPrefix("OFFSET(") {
                total += 1
                let parts = key.dropFirst(7).dropLast().split(separator: ".", maxSplits: 1).map(String.init)
                guard let t = btf.findType(named: parts[0], kind: .any), let m = btf.member(of: t, named: parts[1]) else { continue }
                #expect(m.bitSize == 0 && String(m.bitOffset / 8) == value, "\(key)")
                checked += 1
            }
        }
        // Every SIZE/OFFSET line names a type BTF knows.
        #expect(total > 60)
        #expect(checked == total)
    }

    @Test func memberArrayLengthsMatchVmcoreinfoLength() throws {
        var checked = 0
        for (key, value) in kernel.vmcoreinfo.entries where key.hasPrefix("LENGTH(") && key.contains(".") {
            let parts = key.dropFirst(7).dropLast().split(separator: ".", maxSplits: 1).map(String.init)
            let t = try #require(btf.findType(named: parts[0], kind: .any), "\(key)")
            let m = try #require(btf.member(of: t, named: parts[1]), "\(key)")
            guard case .array(_, let count) = btf.shape(of: btf.resolved(m.type)) else {
                Issue.record("\(key) is not an array"); continue
            }
            #expect(String(count) == value, "\(key)")
            checked += 1
        }
        #expect(checked >= 2)  // zone.free_area, free_area.free_list
    }

    /// include/linux/sched.h: `unsigned int personality;` then
    /// `unsigned sched_reset_on_fork:1; sched_contributes_to_load:1;
    /// sched_migrated:1; ... unsigned :0;` then `unsigned sched_remote_wakeup:1;`.
    @Test func schedulerBitfieldsDecodeWithBitOffsetsAndSizes() throws {
        let ts = try taskStruct()
        let personality = try #require(btf.member(of: ts, named: "personality"))
        let reset = try #require(btf.member(of: ts, named: "sched_reset_on_fork"))
        let load = try #require(btf.member(of: ts, named: "sched_contributes_to_load"))
        let migrated = try #require(btf.member(of: ts, named: "sched_migrated"))
        let remote = try #require(btf.member(of: ts, named: "sched_remote_wakeup"))
        #expect(personality.bitSize == 0)
        #expect(reset.bitOffset == personality.bitOffset + 32 && reset.bitSize == 1)
        #expect(load.bitOffset == reset.bitOffset + 1 && load.bitSize == 1)
        #expect(migrated.bitOffset == reset.bitOffset + 2 && migrated.bitSize == 1)
        // `unsigned :0` forces the next bitfield into the next 32-bit unit.
        #expect(remote.bitOffset == reset.bitOffset + 32 && remote.bitSize == 1)
        #expect(btf.name(of: reset.type) == "unsigned int")
    }

    /// include/linux/pid.h: PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_MAX.
    @Test func pidTypeEnumeratorsInDeclarationOrder() throws {
        let e = try #require(btf.findType(named: "pid_type", kind: .enumeration))
        let values = btf.enumerators(of: e)
        #expect(values.map(\.name) == ["PIDTYPE_PID", "PIDTYPE_TGID", "PIDTYPE_PGID", "PIDTYPE_SID", "PIDTYPE_MAX"])
        #expect(values.map(\.value) == [0, 1, 2, 3, 4])
        #expect(btf.name(of: e) == "enum pid_type")
    }

    /// include/linux/types.h `typedef __u64 u64;`, asm-generic/int-ll64.h
    /// `typedef unsigned long long __u64;` (GCC names the base type
    /// "long long unsigned int").
    @Test func u64IsATypedefChainToUnsignedLongLong() throws {
        let u64 = try #require(btf.findType(named: "u64", kind: .typedef))
        guard case .typedef("u64", let next) = btf.shape(of: u64) else { Issue.record("u64 is \(btf.shape(of: u64))"); return }
        guard case .typedef("__u64", let base) = btf.shape(of: next) else { Issue.record("u64 -> \(btf.shape(of: next))"); return }
        #expect(btf.shape(of: base) == .integer(name: "long long unsigned int", size: 8, signed: false, isChar: false, isBool: false))
        #expect(btf.resolved(u64) == base)
        #expect(btf.findType(named: "long long unsigned int", kind: .integer) == base)
    }

    /// The hash index answers exactly what a linear scan of all types would:
    /// the first definition with members, else the first empty one, else the
    /// first forward declaration, per namespace.
    @Test func findTypeAgreesWithALinearScanForEveryName() throws {
        var best: [String: (id: UInt32, rank: Int)] = [:]
        for raw in btf.allTypeIDs {
            let id = TypeID(raw)
            guard let name = btf.typeName(of: id), let kind = btf.kind(of: id) else { continue }
            let key: String, rank: Int
            switch (kind, btf.shape(of: id)) {
            case (.structure, _): key = "s " + name; rank = btf.members(of: id).isEmpty ? 1 : 2
            case (.union, _): key = "u " + name; rank = btf.members(of: id).isEmpty ? 1 : 2
            case (.forward, .forward(_, let isUnion)): key = (isUnion ? "u " : "s ") + name; rank = 0
            case (.typedef, _): key = "t " + name; rank = 2
            default: continue
            }
            if let old = best[key], old.rank >= rank { continue }
            best[key] = (raw, rank)
        }
        #expect(best.count > 9000)
        var wrong = 0
        for (key, expected) in best {
            let filter: TypeKindFilter = key.hasPrefix("s ") ? .structure : key.hasPrefix("u ") ? .union : .typedef
            if btf.findType(named: String(key.dropFirst(2)), kind: filter)?.raw != expected.id { wrong += 1 }
        }
        #expect(wrong == 0)
        #expect(btf.findType(named: "no_such_type_in_this_kernel", kind: .any) == nil)
    }

    @Test func catalogListsEveryTypeWithAKnownKind() throws {
        #expect(btf.typeCount > 50_000)
        #expect(btf.allTypeIDs.count == btf.typeCount)
        var kinds: [String: Int] = [:]
        for raw in btf.allTypeIDs { kinds[btf.summary(of: TypeID(raw)).kind, default: 0] += 1 }
        #expect(kinds["invalid"] == nil)
        for k in ["int", "ptr", "array", "struct", "union", "enum", "typedef", "const", "func", "func_proto", "var", "datasec"] {
            #expect((kinds[k] ?? 0) > 0, "no \(k) types")
        }
        let page = try #require(btf.findType(named: "page", kind: .structure))
        #expect(btf.summary(of: page) == TypeSummary(id: page, kind: "struct", name: "page", size: kernel.vmcoreinfo.size("page")))
    }
}
