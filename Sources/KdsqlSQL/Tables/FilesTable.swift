import KdsqlMemory
import KdsqlKernel

/// `files`: one row per open file descriptor of every process, like crash's
/// `files` and /proc/PID/fd. Reserved descriptors (allocated, no file yet)
/// are skipped as /proc skips them.
struct FilesTable: ProcessTable {
    struct Row {
        var process: ProcessRow
        var fd: Int
        var file: UInt64
        var files: FileDecoder
    }

    static var columns: Columns {
        Columns(
            pid: .integer { $0.process.pid },
            tid: .integer { try $0.process.tid },
            comm: .text { try $0.process.comm },
            fd: .integer { $0.fd },
            file: .address { $0.file },
            dentry: .address { try $0.files.dentry(file: $0.file) },
            inode: .address { try $0.files.inode(file: $0.file) },
            type: .text { row in try row.files.inodeMode(file: row.file).map(FileDecoder.typeName(mode:)) },
            path: .text { try $0.files.path(file: $0.file) },
            flags: .integer { try $0.files.flags(file: $0.file) },
            mode: .integer { try $0.files.mode(file: $0.file) },
            pos: .integer { try $0.files.position(file: $0.file) },
            ino: .integer { try $0.files.inodeNumber(file: $0.file) },
            size: .integer { try $0.files.size(file: $0.file) })
    }
    static var rowsPerProcess: Double { 10 }
    static var estimatedRows: Double { 5_000 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let (session, next) = try ProcessTables.processes(pid: filter.pid, includeThreads: filter.includeThreads, context, neededBy: Self.name)
        let files = try session.taskFiles()
        return Rows(flattening: next, skipping: context, table: Self.name, object: "open files (files_struct)", at: { $0.task }) { process in
            try files.openFiles(task: process.task).map { Row(process: process, fd: $0.fd, file: $0.file, files: files.decoder) }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.process.task, UInt64(row.fd)) }
}
