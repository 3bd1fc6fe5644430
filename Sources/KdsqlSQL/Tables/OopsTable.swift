import KdsqlKernel

/// `oops`: one row per Oops the kernel printed into its log.
struct OopsTable: VirtualTable {
    struct Row {
        var oops: OopsReport?
        var task: UInt64?
    }

    static var columns: Columns {
        let d = OopsDecode(oops: \Row.oops)
        return Columns(
            seq: .integer { $0.oops?.seq },
            tsNs: .integer { $0.oops?.tsNs },
            message: .text { $0.oops?.headline },
            kind: .text { $0.oops?.kind },
            cpu: .integer { $0.oops?.cpu },
            pid: .integer { $0.oops?.pid },
            comm: .text { $0.oops?.comm },
            task: .address { $0.task },
            ipSymbol: .text { $0.oops?.ip?.text },
            ipModule: .text { $0.oops?.ip?.module },
            bug: d.bug, dieCounter: d.dieCounter, errorCode: d.errorCode, trap: d.trap,
            pfProtection: d.bit(.protection), pfWrite: d.bit(.write), pfUser: d.bit(.user), pfReserved: d.bit(.reserved),
            pfInstructionFetch: d.bit(.instructionFetch), pfProtectionKey: d.bit(.protectionKey),
            pfShadowStack: d.bit(.shadowStack), pfSgx: d.bit(.sgx),
            faultAddress: d.faultAddress, summary: d.summary,
            taint: .text { $0.oops?.taintText })
    }
    static var estimatedRows: Double { 1 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let log = try session.log()
        let tasks = try? session.tasks()
        return Rows(log.oopses.map { o in
            // The task by pid, only if it still has the comm the Oops printed.
            let task = o.pid.flatMap { pid in
                (try? tasks?.lookup(pid: Int64(pid)))??.first { (try? tasks?.comm($0)) == o.comm }
            }
            return Row(oops: o, task: task)
        })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.oops?.seq ?? 0) }
}
