import KdsqlMemory
import KdsqlKernel

/// `file_locks`: granted file locks and the requests waiting on them (/proc/locks).
struct FileLocksTable: VirtualTable {
    typealias Row = FileLock

    static var columns: Columns {
        Columns(
            ordinal: .integer { $0.ordinal },
            pid: .integer { $0.pid },
            kind: .text { $0.kind },
            mode: .text { $0.mode },
            blocked: .bool { $0.blocked },
            inode: .integer { $0.inode },
            device: .text { $0.device.map { "\($0 >> 20):\($0 & 0xfffff)" } },
            start: .integer { $0.start },
            end: .integer { $0.end },
            path: .text { $0.path },
            lock: .address { $0.address },
            file: .address { $0.file })
    }
    static var estimatedRows: Double { 10 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        Rows(try context.session(neededBy: Self.name).fileLocks().all())
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
