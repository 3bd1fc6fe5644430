import KdsqlMemory
import KdsqlKernel

/// `kd_pte(address [, pid])`: the page-table walk of one address, a row per level.
struct KdPteTable: VirtualTable {
    typealias Row = (index: Int, step: PageTableStep)

    static var columns: Columns {
        Columns(
            level: .text { $0.step.level },
            entryAddress: .address { $0.step.entryAddress },
            entry: .address { $0.step.entry },
            flags: .text { $0.step.flags },
            physical: .address { $0.step.physical },
            pageSize: .integer { row -> Int64? in
                guard row.step.isLeaf else { return nil }
                switch row.step.level {
                case "PUD": return 1 << 30
                case "PMD": return 1 << 21
                default: return 4096
                }
            })
    }
    static var estimatedRows: Double { 4 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let address = filter.address?.uint64 else { return .empty }
        let session = try context.session(neededBy: Self.name)
        guard let translator = session.kernel.translator as? X86_64Translator else {
            throw MemoryError.missing("\(Self.name): page-table walks are implemented for x86_64 dumps only")
        }
        var root = translator.kernelRoot
        if let pid = filter.pid, !pid.isNull {
            guard let p = pid.int64 else { throw FunctionArgumentError(Self.name, "pid must be an integer, got \(pid)") }
            root = try session.pageTableRoot(pid: p)
        }
        return Rows(try translator.steps(address, root: root).enumerated().map { ($0.offset, $0.element) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(UInt64(row.index)) }
}
