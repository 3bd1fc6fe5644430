import KdsqlMemory
import KdsqlKernel

/// `sys`: one row about the whole system, like crash's `sys`.
struct SysTable: VirtualTable {
    /// The one row: what SystemInfo read, plus costlier facts computed only if asked.
    final class Row {
        let kernel: Kernel
        let info: SystemInfo
        let session: KernelSession
        init(info: SystemInfo, session: KernelSession) {
            self.kernel = session.kernel
            self.info = info
            self.session = session
        }
        func walker() throws -> Tasks { try session.tasks() }
        var uptimeSeconds: UInt64? { info.uptimeNs.map { $0 / 1_000_000_000 } }
        /// CRASHTIME is written at the crash itself; the timekeeper's wall
        /// clock only at its last update.
        var crashEpoch: Int64? { kernel.vmcoreinfo.crashTime ?? info.wallClockSeconds }
        func panicTask() -> UInt64? { info.panicTask.flatMap { $0 == 0 ? nil : $0 } }
    }

    static var columns: Columns {
        Columns(
            kernel: .text { row in
                // The dump's kernel identity: release, build id, and where the symbols came from.
                let info = row.kernel.vmcoreinfo
                var text = info.osRelease ?? row.info.release
                if let id = info.buildID { text += " build-id \(id)" }
                return text + " (symbols: \(row.kernel.symbolSource))"
            },
            dumpfile: .text { $0.kernel.dump.path },
            dumpFormat: .text { $0.kernel.dump.formatSummary },
            cpus: .integer { $0.info.cpus },
            date: .text { $0.crashEpoch.map(SystemInfo.formatDate(epochSeconds:)) },
            uptimeS: .integer { $0.uptimeSeconds },
            uptime: .text { $0.uptimeSeconds.map(SystemInfo.formatUptime(seconds:)) },
            jiffies: .integer { $0.info.jiffies },
            loadAverage1: .real { $0.info.loadAverage?[0] },
            loadAverage5: .real { $0.info.loadAverage?[1] },
            loadAverage15: .real { $0.info.loadAverage?[2] },
            tasks: .integer { try $0.walker().all().count },
            nodename: .text { $0.info.nodename },
            release: .text { $0.info.release },
            version: .text { $0.info.version },
            machine: .text { $0.info.machine },
            memoryBytes: .integer { $0.info.totalRAMBytes },
            // The panic string from the kernel log, as crash's PANIC: line
            // (the Oops line when there was one).
            panic: .text { row in try row.session.log().panic.get().sysPanic },
            panicPid: .integer { row in try row.panicTask().map { try row.walker().pid($0) } },
            panicComm: .text { row in try row.panicTask().map { try row.walker().comm($0) } },
            panicTask: .address { $0.panicTask() },
            panicCpu: .integer { $0.info.panicCPU },
            kaslrOffset: .address { $0.kernel.kaslrOffset },
            sysrqEnabled: .integer { try SysRq.enabledMask(kernel: $0.kernel) })
    }
    static var estimatedRows: Double { 1 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        return Rows([Row(info: try SystemInfo(kernel: session.kernel), session: session)])
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(0) }
}
