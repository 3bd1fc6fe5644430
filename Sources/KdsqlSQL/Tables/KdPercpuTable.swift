import KdsqlMemory
import KdsqlKernel

/// `kd_percpu(variable)`: a per-CPU variable's address on every possible
/// CPU, `variable + __per_cpu_offset[cpu]` (include/asm-generic/percpu.h,
/// per_cpu_ptr). The variable is a per-CPU symbol or the value of a
/// per-CPU pointer (`__percpu` members such as `kmem_cache.cpu_slab`).
struct KdPercpuTable: VirtualTable {
    typealias Row = (cpu: Int, address: UInt64)

    static var columns: Columns {
        Columns(
            cpu: .integer { Int64($0.cpu) },
            address: .address { $0.address })
    }
    static var estimatedRows: Double { 8 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let base = try WalkerArguments.address(filter.variable, Self.name, kernel: kernel) else { return .empty }
        let offsets = try kernel.address(of: "__per_cpu_offset")
        let rows = try kernel.possibleCPUs().map { cpu in
            (cpu: cpu, address: base &+ (try kernel.readU64(offsets + UInt64(cpu) * 8)))
        }
        return Rows(rows)
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.cpu) }
}
