import KdsqlKernel

/// `panic`: one row, why and where the kernel died. Values come from memory
/// (panic_cpu, runqueues[cpu].curr) and from the log (message, Oops, RIP);
/// `sources` says which.
struct PanicTable: VirtualTable {
    typealias Row = PanicInfo

    static var columns: Columns {
        let d = OopsDecode(oops: \PanicInfo.oops)
        return Columns(
            message: .text { $0.message },
            sysPanic: .text { $0.sysPanic },
            tsNs: .integer { $0.tsNs },
            cpu: .integer { $0.cpu },
            pid: .integer { $0.pid },
            comm: .text { $0.comm },
            task: .address { $0.task },
            ipSymbol: .text { $0.ipSymbol?.text },
            ip: .address { $0.ip },
            ipModule: .text { $0.ipSymbol?.module },
            oops: .text { $0.oops?.headline },
            bug: d.bug, dieCounter: d.dieCounter, errorCode: d.errorCode, trap: d.trap,
            pfProtection: d.bit(.protection), pfWrite: d.bit(.write), pfUser: d.bit(.user), pfReserved: d.bit(.reserved),
            pfInstructionFetch: d.bit(.instructionFetch), pfProtectionKey: d.bit(.protectionKey),
            pfShadowStack: d.bit(.shadowStack), pfSgx: d.bit(.sgx),
            faultAddress: d.faultAddress, summary: d.summary,
            taint: .text { $0.oops?.taintText },
            sources: .text { p in p.sources.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") })
    }
    static var estimatedRows: Double { 1 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<PanicInfo> {
        Rows([try context.session(neededBy: Self.name).log().panic.get()])
    }

    func rowIdentity(_ row: PanicInfo) -> RowIdentity { RowIdentity(0) }
}
