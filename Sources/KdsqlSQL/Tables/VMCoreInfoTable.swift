import KdsqlDebugInfo

/// `vmcoreinfo`: the KEY=value lines of the dump's VMCOREINFO note.
struct VMCoreInfoTable: VirtualTable {
    typealias Row = (key: String, value: String)
    static let name = "vmcoreinfo"
    static var columns: [String: Column<Row>] {
        ["key": .text { $0.key }, "value": .text { $0.value }]
    }
    static var estimatedRows: Double { 200 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        guard let info = context.vmcoreinfo else { throw NotAvailable("VMCOREINFO", neededBy: Self.name) }
        if let key = scan.equal("key")?.string {
            return Rows(info[key].map { [(key, $0)] } ?? [])
        }
        return Rows(info.entries.lazy.map { ($0.key, $0.value) })
    }
}
