import KdsqlMemory
import KdsqlKernel

/// `vmas`: one row per memory mapping of every process, like crash's `vm`
/// and /proc/PID/maps. A row is the VMA address; columns read on demand.
struct VmasTable: ProcessTable {
    struct Row {
        var process: ProcessRow
        var mm: UInt64
        var vma: UInt64
        var maps: MemoryMaps
    }

    static var columns: Columns {
        Columns(
            pid: .integer { $0.process.pid },
            tid: .integer { try $0.process.tid },
            comm: .text { try $0.process.comm },
            mm: .address { $0.mm },
            vma: .address { $0.vma },
            start: .address { try $0.maps.start($0.vma) },
            end: .address { try $0.maps.end($0.vma) },
            sizeKb: .integer { (try $0.maps.end($0.vma) - $0.maps.start($0.vma)) / 1024 },
            flags: .integer { try $0.maps.flags($0.vma) },
            perms: .text { MemoryMaps.perms(flags: try $0.maps.flags($0.vma)) },
            pgoff: .integer { try $0.maps.pgoffPages($0.vma) },
            offset: .integer { try $0.maps.offset($0.vma) },
            file: .address { try $0.maps.file($0.vma) },
            path: .text { try $0.maps.name($0.vma, mm: $0.mm) },
            kind: .text { row in
                if try row.maps.file(row.vma) != 0 { return "file" }
                switch try row.maps.name(row.vma, mm: row.mm) {
                case "[heap]": return "heap"
                case "[stack]": return "stack"
                case "": return "anon"
                case let n where n.hasPrefix("[anon:"): return "anon"
                default: return "special"
                }
            },
            inode: .integer { try $0.maps.inodeNumber($0.vma) },
            dev: .text { MemoryMaps.deviceText(try $0.maps.device($0.vma)) })
    }
    static var rowsPerProcess: Double { 40 }
    static var estimatedRows: Double { 20_000 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let (session, next) = try ProcessTables.processes(pid: filter.pid, includeThreads: filter.includeThreads, context, neededBy: Self.name)
        let maps = try session.memoryMaps()
        return Rows(flattening: next, skipping: context, table: Self.name, object: "memory map (mm_struct/vm_area_struct)", at: { $0.task }) { process in
            let mm = try process.tasks.mm(process.task)
            return try maps.vmas(mm: mm).map { Row(process: process, mm: mm, vma: $0, maps: maps) }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.process.task, row.vma) }
}
