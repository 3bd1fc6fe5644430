import KdsqlMemory

/// A process's user address space, for reads through its own page table
/// (crash's `rd -u`, `vtop -c PID`): the task with that pid, its `mm`
/// (include/linux/mm_types.h; NULL for kernel threads) and the physical
/// address of `mm->pgd`, the root the MMU walks for user addresses.
public struct UserAddressSpace: Sendable {
    public let pid: Int64
    public let task: UInt64
    public let mm: UInt64
    public let pgdPhysical: UInt64

    public init(session: KernelSession, pid: Int64) throws {
        guard let task = try session.tasks().lookup(pid: pid).first else {
            throw MemoryError.missing("no task has pid \(pid)")
        }
        let mm = try session.tasks().mm(task)
        guard mm != 0 else {
            throw MemoryError.missing("pid \(pid) is a kernel thread: it has no user address space (mm is NULL)")
        }
        self.pid = pid
        self.task = task
        self.mm = mm
        pgdPhysical = try session.mmSummary().pgdPhysical(mm)
    }

    /// Physical address of a user virtual address.
    public func translate(_ va: UInt64, kernel: Kernel) throws -> UInt64 {
        try kernel.translator.translate(va, root: pgdPhysical)
    }

    public func read(_ va: UInt64, count: Int, kernel: Kernel) throws -> [UInt8] {
        try kernel.readUser(va, count: count, pgdPhysical: pgdPhysical)
    }
}
