import KdsqlMemory
import KdsqlKernel

/// `vmas`: one row per memory mapping of every process, like crash's `vm`
/// and /proc/PID/maps. A row is the VMA address; columns read on demand.
struct VmasTable: VirtualTable {
    struct Row {
        var pid: Int64
        var task: UInt64
        var mm: UInt64
        var vma: UInt64
        var walkers: Walkers
        var maps: MemoryMaps { walkers.maps }
    }

    /// The walkers a scan's rows read through.
    final class Walkers {
        let tasks: Tasks, maps: MemoryMaps
        init(tasks: Tasks, maps: MemoryMaps) { self.tasks = tasks; self.maps = maps }
    }

    static let name = "vmas"
    static var columns: [String: Column<Row>] {
        [
            "pid": .integer { $0.pid },
            "tid": .integer { try $0.walkers.tasks.pid($0.task) },
            "comm": .text { try $0.walkers.tasks.comm($0.task) },
            "mm": .address { $0.mm },
            "vma": .address { $0.vma },
            "start": .address { try $0.maps.start($0.vma) },
            "end": .address { try $0.maps.end($0.vma) },
            "size_kb": .integer { (try $0.maps.end($0.vma) - $0.maps.start($0.vma)) / 1024 },
            "flags": .integer { try $0.maps.flags($0.vma) },
            "perms": .text { MemoryMaps.perms(flags: try $0.maps.flags($0.vma)) },
            "pgoff": .integer { try $0.maps.pgoffPages($0.vma) },
            "offset": .integer { try $0.maps.offset($0.vma) },
            "file": .address { try $0.maps.file($0.vma) },
            "path": .text { try $0.maps.name($0.vma, mm: $0.mm) },
            "kind": .text { row in
                if try row.maps.file(row.vma) != 0 { return "file" }
                switch try row.maps.name(row.vma, mm: row.mm) {
                case "[heap]": return "heap"
                case "[stack]": return "stack"
                case "": return "anon"
                case let n where n.hasPrefix("[anon:"): return "anon"
                default: return "special"
                }
            },
            "inode": .integer { try $0.maps.inodeNumber($0.vma) },
            "dev": .text { MemoryMaps.deviceText(try $0.maps.device($0.vma)) },
            "include_threads": .argument,
        ]
    }
    static var estimatedRows: Double { 20_000 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        ProcessTables.plan(query, fullScanRows: Self.estimatedRows, rowsPerProcess: 40)
    }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let tasks = try ProcessTables.tasks(context, neededBy: Self.name)
        let paths = try ProcessTables.paths(context, neededBy: Self.name)
        let maps = try context.cached("vmas.walker") { try MemoryMaps(kernel: tasks.kernel, paths: paths) }
        let walkers = Walkers(tasks: tasks, maps: maps)
        let nextTask = try ProcessTables.taskRows(scan, tasks: tasks, context: context)
        return Rows(flattening: nextTask) { task in
            let mm = try tasks.mm(task)
            let pid = try tasks.tgid(task)
            return try maps.vmas(mm: mm).map { Row(pid: pid, task: task, mm: mm, vma: $0, walkers: walkers) }
        }
    }
}
