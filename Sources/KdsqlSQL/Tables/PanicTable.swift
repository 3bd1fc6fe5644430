import KdsqlKernel

/// `panic`: one row, why and where the kernel died. Values come from memory
/// (panic_cpu, runqueues[cpu].curr) and from the log (message, Oops, RIP);
/// `sources` says which.
struct PanicTable: VirtualTable {
    static let name = "panic"
    static var columns: [String: Column<PanicInfo>] {
        var c: [String: Column<PanicInfo>] = [
            "message": .text { $0.message },
            "sys_panic": .text { $0.sysPanic },
            "ts_ns": .integer { $0.tsNs },
            "cpu": .integer { $0.cpu },
            "pid": .integer { $0.pid },
            "comm": .text { $0.comm },
            "task": .address { $0.task },
            "ip_symbol": .text { $0.ipSymbol?.text },
            "ip": .address { $0.ip },
            "ip_module": .text { $0.ipSymbol?.module },
            "oops": .text { $0.oops?.headline },
            "taint": .text { $0.oops?.taintText },
            "sources": .text { p in p.sources.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") },
        ]
        for (name, column) in OopsColumns.decode(\PanicInfo.oops) { c[name] = column }
        return c
    }
    static var estimatedRows: Double { 1 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<PanicInfo> {
        Rows([try KernelLogCache.get(context, neededBy: Self.name).panic.get()])
    }
}

/// The Oops decode columns shared by `panic` and `oops`: error code, trap,
/// one 0/1 column per x86 page-fault error-code bit, CR2 and the summary.
enum OopsColumns {
    static func decode<Row>(_ oops: KeyPath<Row, OopsReport?>) -> [String: Column<Row>] {
        var c: [String: Column<Row>] = [
            "bug": .text { $0[keyPath: oops]?.bug },
            "die_counter": .integer { $0[keyPath: oops]?.dieCounter },
            "error_code": .integer { $0[keyPath: oops]?.errorCode },
            "trap": .integer { $0[keyPath: oops]?.trap },
            "fault_address": .address { $0[keyPath: oops]?.faultAddress },
            "summary": .text { row in
                guard let o = row[keyPath: oops] else { return nil }
                return o.pageFault?.summary ?? o.kind
            },
        ]
        for bit in PageFaultErrorCode.Bit.allCases {
            c[bit.column] = .integer { $0[keyPath: oops]?.pageFault?.flag(bit) }
        }
        return c
    }
}
