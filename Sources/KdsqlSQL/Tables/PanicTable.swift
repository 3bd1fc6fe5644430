import KdsqlKernel

/// `panic`: one row, why and where the kernel died. Values come from memory
/// (panic_cpu, runqueues[cpu].curr) and from the log (message, Oops, RIP);
/// `sources` says which.
struct PanicTable: VirtualTable {
    /// The panic, plus the SysRq key behind it, found only if asked (it unwinds the panicking task).
    final class Row {
        let info: PanicInfo
        let session: KernelSession
        init(info: PanicInfo, session: KernelSession) {
            self.info = info
            self.session = session
        }
        lazy var sysrqKey: Result<(key: String, source: String)?, any Error> = Result { try session.panicSysRqKey() }
    }

    static var columns: Columns {
        let d = OopsDecode(oops: \Row.info.oops)
        return Columns(
            message: .text { $0.info.message },
            sysPanic: .text { $0.info.sysPanic },
            tsNs: .integer { $0.info.tsNs },
            cpu: .integer { $0.info.cpu },
            pid: .integer { $0.info.pid },
            comm: .text { $0.info.comm },
            task: .address { $0.info.task },
            ipSymbol: .text { $0.info.ipSymbol?.text },
            ip: .address { $0.info.ip },
            ipModule: .text { $0.info.ipSymbol?.module },
            oops: .text { $0.info.oops?.headline },
            bug: d.bug, dieCounter: d.dieCounter, errorCode: d.errorCode, trap: d.trap,
            pfProtection: d.bit(.protection), pfWrite: d.bit(.write), pfUser: d.bit(.user), pfReserved: d.bit(.reserved),
            pfInstructionFetch: d.bit(.instructionFetch), pfProtectionKey: d.bit(.protectionKey),
            pfShadowStack: d.bit(.shadowStack), pfSgx: d.bit(.sgx),
            faultAddress: d.faultAddress, summary: d.summary,
            taint: .text { $0.info.oops?.taintText },
            sysrqKey: .text { try $0.sysrqKey.get()?.key },
            sources: .text { p in p.info.sources.merging(((try? p.sysrqKey.get()) ?? nil).map { ["sysrq_key": $0.source] } ?? [:]) { a, _ in a }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") })
    }
    static var estimatedRows: Double { 1 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        return Rows([Row(info: try session.log().panic.get(), session: session)])
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(0) }
}
