import KdsqlMemory
import KdsqlKernel

/// `fs`: each process's root and working directory (task->fs), the ROOT and
/// CWD line of crash's `files`.
struct FsTable: VirtualTable {
    struct Row {
        var pid: Int64
        var task: UInt64
        var root: PathRef
        var cwd: PathRef
        var walkers: Walkers
    }

    final class Walkers {
        let tasks: Tasks, paths: VFSPath
        init(tasks: Tasks, paths: VFSPath) { self.tasks = tasks; self.paths = paths }
    }

    static let name = "fs"
    static var columns: [String: Column<Row>] {
        [
            "pid": .integer { $0.pid },
            "tid": .integer { try $0.walkers.tasks.pid($0.task) },
            "comm": .text { try $0.walkers.tasks.comm($0.task) },
            "root": .text { try $0.walkers.paths.path($0.root) },
            "cwd": .text { try $0.walkers.paths.path($0.cwd) },
            "root_dentry": .address { $0.root.dentry },
            "cwd_dentry": .address { $0.cwd.dentry },
            "include_threads": .argument,
        ]
    }
    static var estimatedRows: Double { 500 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        ProcessTables.plan(query, fullScanRows: Self.estimatedRows, rowsPerProcess: 1)
    }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let tasks = try ProcessTables.tasks(context, neededBy: Self.name)
        let paths = try ProcessTables.paths(context, neededBy: Self.name)
        let walkers = Walkers(tasks: tasks, paths: paths)
        let nextTask = try ProcessTables.taskRows(scan, tasks: tasks, context: context)
        return Rows(compactMapping: nextTask) { task in
            guard let fs = try paths.rootAndCwd(task: task) else { return nil }
            return Row(pid: try tasks.tgid(task), task: task, root: fs.root, cwd: fs.cwd, walkers: walkers)
        }
    }
}
