import KdsqlMemory

/// The pushed-down `cpu` constraint of the per-CPU tables (timers, hrtimers,
/// runqueues, cpus): which CPUs a scan visits.
enum CPUConstraint {
    static func cpus(_ constraint: IntegerConstraint, kernel: Kernel) throws -> [Int] {
        if constraint.isEmpty { return [] }
        return try kernel.possibleCPUs().filter { constraint.contains(Int64($0)) }
    }
}
