import KdsqlMemory
import KdsqlKernel

/// `files`: one row per open file descriptor of every process, like crash's
/// `files` and /proc/PID/fd. Reserved descriptors (allocated, no file yet)
/// are skipped as /proc skips them.
struct FilesTable: VirtualTable {
    struct Row {
        var pid: Int64
        var task: UInt64
        var fd: Int
        var file: UInt64
        var walkers: Walkers
        var files: TaskFiles { walkers.files }
    }

    final class Walkers {
        let tasks: Tasks, files: TaskFiles
        init(tasks: Tasks, files: TaskFiles) { self.tasks = tasks; self.files = files }
    }

    static let name = "files"
    static var columns: [String: Column<Row>] {
        [
            "pid": .integer { $0.pid },
            "tid": .integer { try $0.walkers.tasks.pid($0.task) },
            "comm": .text { try $0.walkers.tasks.comm($0.task) },
            "fd": .integer { $0.fd },
            "file": .address { $0.file },
            "dentry": .address { try $0.files.dentry(file: $0.file) },
            "inode": .address { try $0.files.inode(file: $0.file) },
            "type": .text { row in try row.files.inodeMode(file: row.file).map(TaskFiles.typeName(mode:)) },
            "path": .text { try $0.files.path(file: $0.file) },
            "flags": .integer { try $0.files.flags(file: $0.file) },
            "mode": .integer { try $0.files.mode(file: $0.file) },
            "pos": .integer { try $0.files.position(file: $0.file) },
            "ino": .integer { try $0.files.inodeNumber(file: $0.file) },
            "size": .integer { try $0.files.size(file: $0.file) },
            "include_threads": .argument,
        ]
    }
    static var estimatedRows: Double { 5_000 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        ProcessTables.plan(query, fullScanRows: Self.estimatedRows, rowsPerProcess: 10)
    }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let tasks = try ProcessTables.tasks(context, neededBy: Self.name)
        let paths = try ProcessTables.paths(context, neededBy: Self.name)
        let files = try context.cached("files.walker") { try TaskFiles(kernel: tasks.kernel, paths: paths) }
        let walkers = Walkers(tasks: tasks, files: files)
        let nextTask = try ProcessTables.taskRows(scan, tasks: tasks, context: context)
        return Rows(flattening: nextTask) { task in
            let pid = try tasks.tgid(task)
            return try files.openFiles(task: task).map { Row(pid: pid, task: task, fd: $0.fd, file: $0.file, walkers: walkers) }
        }
    }
}
