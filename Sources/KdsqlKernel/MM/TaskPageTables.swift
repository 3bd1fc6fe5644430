import KdsqlMemory

/// Which page tables a task's addresses go through.
extension KernelSession {
    /// Physical address of the top-level page table of the task with `pid`:
    /// its mm->pgd, or for a kernel thread (mm NULL) the active_mm it borrowed
    /// (kernel/sched/core.c context_switch), else the kernel's own table.
    public func pageTableRoot(pid: Int64) throws -> UInt64 {
        let tasks = try tasks()
        guard let task = try tasks.lookup(pid: pid).first else {
            throw MemoryError.missing("no task with pid \(pid)")
        }
        var mm = try tasks.mm(task)
        if mm == 0, let active = try? kernel.field("struct task_struct", "active_mm") {
            mm = try kernel.readPointer(task, active)
        }
        guard mm != 0 else { return kernel.translator.kernelRoot }
        return try mmSummary().pgdPhysical(mm)
    }
}
