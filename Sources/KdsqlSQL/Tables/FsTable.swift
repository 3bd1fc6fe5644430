import KdsqlMemory
import KdsqlKernel

/// `fs`: each process's root and working directory (task->fs), the ROOT and
/// CWD line of crash's `files`.
struct FsTable: ProcessTable {
    struct Row {
        var process: ProcessRow
        var root: PathRef
        var cwd: PathRef
        var paths: VFSPath
    }

    static var columns: Columns {
        Columns(
            pid: .integer { $0.process.pid },
            tid: .integer { try $0.process.tid },
            comm: .text { try $0.process.comm },
            root: .text { try $0.paths.path($0.root) },
            cwd: .text { try $0.paths.path($0.cwd) },
            rootDentry: .address { $0.root.dentry },
            cwdDentry: .address { $0.cwd.dentry })
    }
    static var rowsPerProcess: Double { 1 }
    static var estimatedRows: Double { 500 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let (session, next) = try ProcessTables.processes(pid: filter.pid, includeThreads: filter.includeThreads, context, neededBy: Self.name)
        let paths = try session.paths()
        return Rows(compactMapping: next, skipping: context, table: Self.name, object: "fs_struct", at: { $0.task }) { process in
            guard let fs = try paths.rootAndCwd(task: process.task) else { return nil }
            return Row(process: process, root: fs.root, cwd: fs.cwd, paths: paths)
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.process.task) }
}
