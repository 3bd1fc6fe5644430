import KdsqlMemory
import KdsqlKernel

/// `uts_namespaces`: host and domain names of every UTS namespace a task is in.
struct UtsNamespacesTable: VirtualTable {
    typealias Row = UTSNamespace

    static var columns: Columns {
        Columns(
            inode: .integer { $0.inode },
            nodename: .text { $0.nodename },
            domainname: .text { $0.domainname },
            address: .address { $0.address })
    }
    static var estimatedRows: Double { 3 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let walker = try session.namespaces()
        return Rows(try walker.distinct("uts", tasks: try session.tasks().all()).map { try walker.uts(at: $0) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
