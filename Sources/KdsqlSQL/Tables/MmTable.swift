import KdsqlMemory
import KdsqlKernel

/// `mm`: one row per address space (process), like the header of crash's
/// `vm`: page-table root, sizes, the RSS split and the layout boundaries.
struct MmTable: ProcessTable {
    struct Row {
        var process: ProcessRow
        var mm: UInt64
        var summary: MmSummary
    }

    static var columns: Columns {
        Columns(
            pid: .integer { $0.process.pid },
            tid: .integer { try $0.process.tid },
            comm: .text { try $0.process.comm },
            mm: .address { $0.mm },
            pgd: .address { try $0.summary.pgd($0.mm) },
            rssKb: .integer { try $0.summary.rssKB($0.mm) },
            rssFileKb: .integer { try $0.summary.rssFileKB($0.mm) },
            rssAnonKb: .integer { try $0.summary.rssAnonKB($0.mm) },
            rssShmemKb: .integer { try $0.summary.rssShmemKB($0.mm) },
            swapKb: .integer { try $0.summary.swapKB($0.mm) },
            totalVmKb: .integer { try $0.summary.totalVMKB($0.mm) },
            startCode: .address { try $0.summary.startCode($0.mm) },
            endCode: .address { try $0.summary.endCode($0.mm) },
            startData: .address { try $0.summary.startData($0.mm) },
            endData: .address { try $0.summary.endData($0.mm) },
            startBrk: .address { try $0.summary.startBrk($0.mm) },
            brk: .address { try $0.summary.brk($0.mm) },
            startStack: .address { try $0.summary.startStack($0.mm) },
            argStart: .address { try $0.summary.argStart($0.mm) },
            argEnd: .address { try $0.summary.argEnd($0.mm) },
            envStart: .address { try $0.summary.envStart($0.mm) },
            envEnd: .address { try $0.summary.envEnd($0.mm) },
            mapCount: .integer { try $0.summary.mapCount($0.mm) })
    }
    static var rowsPerProcess: Double { 1 }
    static var estimatedRows: Double { 500 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let (session, next) = try ProcessTables.addressSpaces(pid: filter.pid, includeThreads: filter.includeThreads, context, neededBy: Self.name)
        let summary = try session.mmSummary()
        let kernel = session.kernel
        return Rows(compactMapping: next, skipping: context, table: Self.name, object: "mm_struct", at: { $0.mm }) {
            _ = try kernel.readU64($0.mm)  // an mm_struct the dump lacks gives no row
            return Row(process: $0.process, mm: $0.mm, summary: summary)
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.process.task) }
}
