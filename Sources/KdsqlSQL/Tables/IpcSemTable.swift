import KdsqlMemory
import KdsqlKernel

/// `ipc_sem`: System V semaphore sets of every IPC namespace (crash's `ipcs -s`).
struct IpcSemTable: VirtualTable {
    typealias Row = SemaphoreSet

    static var columns: Columns {
        Columns(
            ipcNs: .integer { $0.perm.namespaceInode },
            key: .integer { $0.perm.key },
            id: .integer { $0.perm.id },
            uid: .integer { $0.perm.uid },
            gid: .integer { $0.perm.gid },
            perms: .integer { $0.perm.perms },
            nsems: .integer { $0.nsems },
            address: .address { $0.perm.address })
    }
    static var estimatedRows: Double { 10 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let ipc = try session.sysVIPC()
        return Rows(try ipc.namespaceAddresses(tasks: try session.tasks().all()).flatMap { try ipc.semaphores(ns: $0) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.perm.address) }
}
