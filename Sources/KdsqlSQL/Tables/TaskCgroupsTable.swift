import KdsqlMemory
import KdsqlKernel

/// `task_cgroups`: each task's cgroup v2 path (/proc/PID/cgroup).
struct TaskCgroupsTable: VirtualTable {
    struct Row {
        var task: UInt64
        var pid: Int64
        var tgid: Int64
        var cgroup: UInt64
        var path: String
    }

    static var columns: Columns {
        Columns(
            pid: .integer { $0.pid },
            tgid: .integer { $0.tgid },
            task: .address { $0.task },
            path: .text { $0.path },
            cgroup: .address { $0.cgroup })
    }
    static var estimatedRows: Double { 200 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let walker = try session.cgroups()
        if let v1 = try? walker.v1Hierarchies(), !v1.isEmpty {
            context.warn("\(Self.name): cgroup v1 \(v1.joined(separator: ", ")) mounted and not read; paths are those of the v2 hierarchy")
        }
        let tasks = try session.tasks()
        var paths: [UInt64: String] = [:]
        // The idle tasks are in the root cgroup too, but /proc shows no pid 0.
        var wanted = TaskSelection(thread: filter.pid, task: filter.task)
        wanted.idleTasks = false
        var selection = try session.select(wanted)
        return Rows(compactMapping: { try selection.next() }) { (task: UInt64) -> Row? in
            do {
                guard let cg = try walker.cgroup(ofTask: task) else { return nil }
                let path: String
                if let hit = paths[cg] { path = hit } else { path = try walker.path(cg); paths[cg] = path }
                return Row(task: task, pid: try tasks.pid(task), tgid: try tasks.tgid(task), cgroup: cg, path: path)
            } catch {
                // An unreadable task or cgroup loses the row, with a warning; the scan goes on.
                context.warn("task_cgroups: task 0x\(String(task, radix: 16)) skipped: \(error)")
                return nil
            }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.task) }
}
