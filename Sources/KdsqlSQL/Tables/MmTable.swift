import KdsqlMemory
import KdsqlKernel

/// `mm`: one row per address space (process), like the header of crash's
/// `vm`: page-table root, sizes, the RSS split and the layout boundaries.
struct MmTable: VirtualTable {
    struct Row {
        var pid: Int64
        var task: UInt64
        var mm: UInt64
        var walkers: Walkers
        var summary: MmSummary { walkers.summary }
    }

    final class Walkers {
        let tasks: Tasks, summary: MmSummary
        init(tasks: Tasks, summary: MmSummary) { self.tasks = tasks; self.summary = summary }
    }

    static let name = "mm"
    static var columns: [String: Column<Row>] {
        [
            "pid": .integer { $0.pid },
            "tid": .integer { try $0.walkers.tasks.pid($0.task) },
            "comm": .text { try $0.walkers.tasks.comm($0.task) },
            "mm": .address { $0.mm },
            "pgd": .address { try $0.summary.pgd($0.mm) },
            "rss_kb": .integer { try $0.summary.rssKB($0.mm) },
            "rss_file_kb": .integer { try $0.summary.rssFileKB($0.mm) },
            "rss_anon_kb": .integer { try $0.summary.rssAnonKB($0.mm) },
            "rss_shmem_kb": .integer { try $0.summary.rssShmemKB($0.mm) },
            "swap_kb": .integer { try $0.summary.swapKB($0.mm) },
            "total_vm_kb": .integer { try $0.summary.totalVMKB($0.mm) },
            "start_code": .address { try $0.summary.startCode($0.mm) },
            "end_code": .address { try $0.summary.endCode($0.mm) },
            "start_data": .address { try $0.summary.startData($0.mm) },
            "end_data": .address { try $0.summary.endData($0.mm) },
            "start_brk": .address { try $0.summary.startBrk($0.mm) },
            "brk": .address { try $0.summary.brk($0.mm) },
            "start_stack": .address { try $0.summary.startStack($0.mm) },
            "arg_start": .address { try $0.summary.argStart($0.mm) },
            "arg_end": .address { try $0.summary.argEnd($0.mm) },
            "env_start": .address { try $0.summary.envStart($0.mm) },
            "env_end": .address { try $0.summary.envEnd($0.mm) },
            "map_count": .integer { try $0.summary.mapCount($0.mm) },
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
        let spaces = try ProcessTables.addressSpaces(scan, context, neededBy: Self.name)
        let walkers = Walkers(tasks: spaces.tasks, summary: spaces.summary)
        return Rows(compactMapping: spaces.next) { Row(pid: $0.pid, task: $0.task, mm: $0.mm, walkers: walkers) }
    }
}
