import KdsqlMemory
import KdsqlKernel

/// `machine`: one row, crash's `mach`.
struct MachineTable: VirtualTable {
    typealias Row = MachineInfo

    static var columns: Columns {
        Columns(
            machine: .text { $0.machine },
            cpus: .integer { $0.cpus },
            memoryBytes: .integer { $0.memoryBytes },
            pageSize: .integer { $0.pageSize },
            kernelVirtualBase: .address { $0.directMapBase },
            directMapBase: .address { $0.directMapBase },
            vmallocStart: .address { $0.vmallocStart },
            vmemmapStart: .address { $0.vmemmapStart },
            kernelStart: .address { $0.kernelStart },
            kaslrOffset: .address { $0.kaslrOffset },
            physBase: .address { $0.physBase },
            l1CacheBytes: .integer { $0.l1CacheBytes },
            hz: .integer { $0.hz },
            bootCommandLine: .text { $0.commandLine },
            kernelMapBase: .address { $0.kernelMapBase },
            modulesBase: .address { $0.modulesBase },
            stackBytes: .integer { $0.stackBytes },
            pagingLevels: .integer { $0.fiveLevelPaging ? 5 : 4 },
            cpuKhz: .integer { $0.cpuKHz })
    }
    static var estimatedRows: Double { 1 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let kernel = session.kernel
        let zones = try? session.zones().all()
        let threadSize = (try? session.stackTraces().stacks.threadSize) ?? 16 << 10
        return Rows([MachineInfo(kernel: kernel, system: try SystemInfo(kernel: kernel), zones: zones, threadSize: threadSize)])
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(0) }
}
