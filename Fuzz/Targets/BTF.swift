import KdsqlDebugInfo

/// BTF blobs: header, type section, string section, then the lookups the
/// kernel layer makes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBTF(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let btf = try? BTFTypeInfo(bytes: FuzzSupport.bytes(data, count)) else { return 0 }
    for (name, kind) in [("task_struct", TypeKindFilter.structure), ("list_head", .structure), ("pid_t", .typedef),
                         ("pid_type", .enumeration), ("x", .any)] {
        if let t = btf.findType(named: name, kind: kind) {
            _ = btf.shape(of: t)
            for m in btf.members(of: t).prefix(64) { _ = btf.shape(of: m.type) }
            _ = btf.enumerators(of: t)
            _ = btf.summary(of: t)
            _ = btf.name(of: t)
            _ = btf.memberNames(of: t)
            _ = btf.member(of: t, named: "pid")
        }
    }
    for id in UInt32(0)..<64 {
        _ = btf.typeName(of: TypeID(id)); _ = btf.shape(of: TypeID(id)); _ = btf.size(of: TypeID(id)); _ = btf.name(of: TypeID(id))
    }
    return 0
}
