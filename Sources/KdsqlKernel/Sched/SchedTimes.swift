import KdsqlMemory
import KdsqlDebugInfo

/// A task's scheduler times (crash's `ps -l` / `ps -m`, /proc/PID/schedstat).
public struct SchedTimes: Sendable, Equatable {
    /// se.sum_exec_runtime: CPU time consumed, ns (schedstat field 1).
    public var sumExecRuntime: UInt64
    /// sched_info.run_delay: time spent waiting on a run queue, ns (field 2).
    public var runDelay: UInt64?
    /// sched_info.pcount: times run on a CPU (field 3).
    public var pcount: UInt64?
    /// se.exec_start: rq clock (ns) when the task last started or was last
    /// accounted on a CPU.
    public var execStart: UInt64
    /// sched_info.last_arrival: rq clock when it last ran (crash `ps -l`).
    public var lastArrival: UInt64?
    /// sched_info.last_queued: rq clock when it was last queued, 0 when not waiting (crash `ps -m` sorts by it).
    public var lastQueued: UInt64?
}

/// Scheduler times of a task (include/linux/sched.h): the CFS entity
/// `task->se` (struct sched_entity: exec_start, sum_exec_runtime) and
/// `task->sched_info` (struct sched_info: pcount, run_delay, last_arrival,
/// last_queued; present with CONFIG_SCHED_INFO, which schedstats and
/// delay accounting select). /proc/PID/schedstat prints sum_exec_runtime,
/// run_delay and pcount (fs/proc/base.c proc_pid_schedstat).
public final class SchedTimesReader {
    public let kernel: Kernel
    let execStart: FieldRef, sumExec: FieldRef
    let pcount: FieldRef?, runDelay: FieldRef?, lastArrival: FieldRef?, lastQueued: FieldRef?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let t = "struct task_struct"
        execStart = try kernel.field(t, "se.exec_start")
        sumExec = try kernel.field(t, "se.sum_exec_runtime")
        pcount = try? kernel.field(t, "sched_info.pcount")
        runDelay = try? kernel.field(t, "sched_info.run_delay")
        lastArrival = try? kernel.field(t, "sched_info.last_arrival")
        lastQueued = try? kernel.field(t, "sched_info.last_queued")
    }

    public func times(task t: UInt64) throws -> SchedTimes {
        SchedTimes(sumExecRuntime: try kernel.readUnsigned(t, sumExec),
                   runDelay: try runDelay.map { try kernel.readUnsigned(t, $0) },
                   pcount: try pcount.map { try kernel.readUnsigned(t, $0) },
                   execStart: try kernel.readUnsigned(t, execStart),
                   lastArrival: try lastArrival.map { try kernel.readUnsigned(t, $0) },
                   lastQueued: try lastQueued.map { try kernel.readUnsigned(t, $0) })
    }
}
