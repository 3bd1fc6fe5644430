import KdsqlKernel

/// `oops`: one row per Oops the kernel printed into its log.
struct OopsTable: VirtualTable {
    struct Row {
        var oops: OopsReport?
        var task: UInt64?
    }

    static let name = "oops"
    static var columns: [String: Column<Row>] {
        var c: [String: Column<Row>] = [
            "seq": .integer { $0.oops?.seq },
            "ts_ns": .integer { $0.oops?.tsNs },
            "message": .text { $0.oops?.headline },
            "kind": .text { $0.oops?.kind },
            "cpu": .integer { $0.oops?.cpu },
            "pid": .integer { $0.oops?.pid },
            "comm": .text { $0.oops?.comm },
            "task": .address { $0.task },
            "ip_symbol": .text { $0.oops?.ip?.text },
            "ip_module": .text { $0.oops?.ip?.module },
            "taint": .text { $0.oops?.taintText },
        ]
        for (name, column) in OopsColumns.decode(\Row.oops) { c[name] = column }
        return c
    }
    static var estimatedRows: Double { 1 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let cache = try KernelLogCache.get(context, neededBy: Self.name)
        let tasks = try? context.cached("tasks.walker") { try Tasks(kernel: cache.kernel) }
        return Rows(cache.oopses.map { o in
            // The task by pid, only if it still has the comm the Oops printed.
            let task = o.pid.flatMap { pid in
                (try? tasks?.lookup(pid: Int64(pid)))??.first { (try? tasks?.comm($0)) == o.comm }
            }
            return Row(oops: o, task: task)
        })
    }
}
