import KdsqlMemory
import KdsqlKernel

/// `mounts`: the mounts of the initial mount namespace, like crash's `mount`
/// and /proc/self/mountinfo.
struct MountsTable: VirtualTable {
    struct Row {
        var mount: UInt64
        var namespace: UInt64
        var mounts: Mounts
    }

    static var columns: Columns {
        Columns(
            mount: .address { $0.mount },
            superblock: .address { try $0.mounts.superblock($0.mount) },
            fstype: .text { try $0.mounts.fsType($0.mount) },
            devname: .text { try $0.mounts.deviceName($0.mount) },
            mountPoint: .text { try $0.mounts.mountPoint($0.mount) },
            mountId: .integer { try $0.mounts.mountID($0.mount) },
            parentId: .integer { try $0.mounts.parentID($0.mount) },
            options: .text { try $0.mounts.options($0.mount) },
            superOptions: .text { try $0.mounts.superOptions($0.mount) },
            dev: .text { Mounts.deviceNumbers(try $0.mounts.device($0.mount)) },
            mntFlags: .integer { try $0.mounts.mountFlags($0.mount) },
            sbFlags: .integer { try $0.mounts.superFlags($0.mount) },
            mntNs: .address { $0.namespace })
    }
    static var estimatedRows: Double { 50 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let mounts = try context.session(neededBy: Self.name).mounts()
        let ns = try mounts.initialNamespace()
        return Rows(try mounts.mounts(namespace: ns).lazy.map { Row(mount: $0, namespace: ns, mounts: mounts) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.mount) }
}
