import KdsqlMemory

/// pid → task_struct through the initial pid namespace's IDR (kernel/pid.c
/// find_pid_ns, then pid->tasks[PIDTYPE_PID].first), with the namespace's
/// address and the field offsets resolved once. `Tasks.pidIndex()` keeps one
/// per walker; `Tasks.lookup(pid:)` and the per-process tables' `WHERE pid = N`
/// go through it, since a kallsyms name search per query would cost more
/// than the lookup itself.
public final class PidIndex {
    let kernel: Kernel
    let xarray: XArray
    let headAddress: UInt64, baseAddress: UInt64
    let pidTasks: UInt64, pidLinks: UInt64
    /// Lookups done (push-down tests read it).
    public private(set) var lookups = 0

    public init(tasks: Tasks) throws {
        kernel = tasks.kernel
        xarray = try XArray(kernel: kernel)
        let ns = try kernel.address(of: "init_pid_ns")
        headAddress = ns + (try kernel.field("struct pid_namespace", "idr.idr_rt.xa_head")).offset
        baseAddress = ns + (try kernel.field("struct pid_namespace", "idr.idr_base")).offset
        pidTasks = try kernel.field("struct pid", "tasks").offset
        pidLinks = tasks.pidLinks.offset
    }

    /// The task whose pid is `pid`, or nil (pid 0, the idle tasks, has no IDR entry).
    public func task(pid: Int64) throws -> UInt64? {
        lookups += 1
        guard pid > 0, pid < 1 << 31 else { return nil }
        let base = UInt64(try kernel.readU32(baseAddress))
        guard UInt64(pid) >= base else { return nil }
        guard let pidStruct = try xarray.load(head: try kernel.readU64(headAddress), index: UInt64(pid) - base) else { return nil }
        let first = try kernel.readU64(pidStruct + pidTasks) // tasks[PIDTYPE_PID].first
        return first == 0 ? nil : first - pidLinks
    }
}
