import KdsqlMemory

/// The pushed-down `cpu = N` of the per-CPU tables (timers, hrtimers,
/// runqueues, cpus): which CPUs a scan must visit. SQLite does not re-check
/// consumed constraints, so a value that is not a possible CPU gives no rows.
enum CPUConstraint {
    static func cpus(_ scan: Scan, kernel: Kernel) throws -> [Int] {
        let possible = try kernel.possibleCPUs()
        guard let value = scan.equal("cpu") else { return possible }
        guard let wanted = value.int64 else { return [] }
        return possible.filter { Int64($0) == wanted }
    }
}
