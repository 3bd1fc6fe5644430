import KdsqlMemory
import KdsqlKernel

/// `ipc_shm`: System V shared memory segments of every IPC namespace (crash's `ipcs -m`).
struct IpcShmTable: VirtualTable {
    typealias Row = SharedMemorySegment

    static var columns: Columns {
        Columns(
            ipcNs: .integer { $0.perm.namespaceInode },
            key: .integer { $0.perm.key },
            id: .integer { $0.perm.id },
            uid: .integer { $0.perm.uid },
            gid: .integer { $0.perm.gid },
            perms: .integer { $0.perm.perms },
            size: .integer { $0.size },
            attached: .integer { $0.attached },
            creatorPid: .integer { $0.creatorPid },
            lastPid: .integer { $0.lastPid },
            address: .address { $0.perm.address })
    }
    static var estimatedRows: Double { 10 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let ipc = try session.sysVIPC()
        return Rows(try ipc.namespaceAddresses(tasks: try session.tasks().all()).flatMap { try ipc.sharedMemory(ns: $0) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.perm.address) }
}
