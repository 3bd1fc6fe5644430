import KdsqlDebugInfo
import KdsqlKernel

/// `kd_addr2line(address)`: the functions at a code address, inlined ones
/// included, with their source lines (SourceLocations).
struct KdAddr2lineTable: VirtualTable {
    typealias Row = (address: UInt64, depth: Int, module: String?, frame: SourceFrame)

    static var columns: Columns {
        Columns(
            depth: .integer { Int64($0.depth) },
            function: .text { $0.frame.function },
            inlined: .bool { $0.frame.inlined },
            file: .text { $0.frame.file },
            line: .integer { $0.frame.line.map(Int64.init) },
            module: .text { $0.module })
    }
    static var estimatedRows: Double { 2 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let address = filter.address?.uint64 else { return .empty }
        let locations = try context.session(neededBy: Self.name).sourceLocations()
        let module = locations.module(containing: address)
        let frames = locations.frames(at: address, module: module)
        return Rows(frames.enumerated().map { (address, $0.offset, module, $0.element) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address, UInt64(row.depth)) }
}
