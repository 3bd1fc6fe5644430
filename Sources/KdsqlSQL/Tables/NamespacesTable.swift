import KdsqlMemory
import KdsqlKernel

/// `namespaces`: each task's namespaces (/proc/PID/ns).
struct NamespacesTable: VirtualTable {
    struct Row {
        var task: UInt64
        var pid: Int64
        var tgid: Int64
        var namespace: TaskNamespace
    }

    static var columns: Columns {
        Columns(
            pid: .integer { $0.pid },
            tgid: .integer { $0.tgid },
            task: .address { $0.task },
            type: .text { $0.namespace.type },
            inode: .integer { $0.namespace.inode },
            address: .address { $0.namespace.address })
    }
    static var estimatedRows: Double { 2000 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let walker = try session.namespaces()
        let tasks = try session.tasks()
        var selection = try session.select(TaskSelection(thread: filter.pid, task: filter.task))
        return Rows(flattening: { try selection.next() }) { (task: UInt64) -> [Row] in
            do {
                let pid = try tasks.pid(task), tgid = try tasks.tgid(task)
                return try walker.of(task: task).map { Row(task: task, pid: pid, tgid: tgid, namespace: $0) }
            } catch {
                // An unreadable task loses its rows, with a warning; the scan goes on.
                context.warn("namespaces: task 0x\(String(task, radix: 16)) skipped: \(error)")
                return []
            }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity {
        var h: UInt64 = 1469598103934665603
        for b in row.namespace.type.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return RowIdentity(row.task, h)
    }
}
