import KdsqlMemory
import KdsqlKernel

/// `ipc_msg`: System V message queues of every IPC namespace (crash's `ipcs -q`).
struct IpcMsgTable: VirtualTable {
    typealias Row = MessageQueue

    static var columns: Columns {
        Columns(
            ipcNs: .integer { $0.perm.namespaceInode },
            key: .integer { $0.perm.key },
            id: .integer { $0.perm.id },
            uid: .integer { $0.perm.uid },
            gid: .integer { $0.perm.gid },
            perms: .integer { $0.perm.perms },
            messages: .integer { $0.messages },
            bytes: .integer { $0.bytes },
            lastSendPid: .integer { $0.lastSendPid },
            lastReceivePid: .integer { $0.lastReceivePid },
            address: .address { $0.perm.address })
    }
    static var estimatedRows: Double { 10 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let ipc = try session.sysVIPC()
        return Rows(try ipc.namespaceAddresses(tasks: try session.tasks().all()).flatMap { try ipc.messageQueues(ns: $0) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.perm.address) }
}
