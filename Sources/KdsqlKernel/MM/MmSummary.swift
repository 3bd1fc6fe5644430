import KdsqlMemory
import KdsqlDebugInfo

/// One address space (`struct mm_struct`, include/linux/mm_types.h) as
/// crash's `vm` header shows it: page-table root, sizes, RSS split, and the
/// layout boundaries the kernel records at exec and brk. Columns are read
/// on demand.
public final class MmSummary {
    public let kernel: Kernel
    let tasks: Tasks
    let pgd: FieldRef, totalVM: FieldRef, mapCount: FieldRef
    let startCode: FieldRef, endCode: FieldRef, startData: FieldRef, endData: FieldRef
    let startBrk: FieldRef, brk: FieldRef, startStack: FieldRef
    let argStart: FieldRef, argEnd: FieldRef, envStart: FieldRef, envEnd: FieldRef

    /// Indexes of the mm counters: an anonymous enum in
    /// include/linux/mm_types_task.h (MM_FILEPAGES, MM_ANONPAGES,
    /// MM_SWAPENTS, MM_SHMEMPAGES), so not findable by name; unchanged since 4.5.
    static let fileIndex = 0, anonIndex = 1, swapIndex = 2, shmemIndex = 3

    public init(kernel: Kernel, tasks: Tasks? = nil) throws {
        self.kernel = kernel
        self.tasks = try tasks ?? Tasks(kernel: kernel)
        let mm = "struct mm_struct"
        pgd = try kernel.field(mm, "pgd")
        totalVM = try kernel.field(mm, "total_vm")
        mapCount = try kernel.field(mm, "map_count")
        startCode = try kernel.field(mm, "start_code")
        endCode = try kernel.field(mm, "end_code")
        startData = try kernel.field(mm, "start_data")
        endData = try kernel.field(mm, "end_data")
        startBrk = try kernel.field(mm, "start_brk")
        brk = try kernel.field(mm, "brk")
        startStack = try kernel.field(mm, "start_stack")
        argStart = try kernel.field(mm, "arg_start")
        argEnd = try kernel.field(mm, "arg_end")
        envStart = try kernel.field(mm, "env_start")
        envEnd = try kernel.field(mm, "env_end")
    }

    public func pgd(_ mm: UInt64) throws -> UInt64 { try kernel.readPointer(mm, pgd) }
    /// Physical address of the top-level page table (for `Kernel.readUser`).
    public func pgdPhysical(_ mm: UInt64) throws -> UInt64 { try kernel.translate(try pgd(mm)) }
    public func totalVMKB(_ mm: UInt64) throws -> Int64 { Int64(try kernel.readUnsigned(mm, totalVM)) * 4 }
    public func mapCount(_ mm: UInt64) throws -> Int64 { try kernel.readSigned(mm, mapCount) }

    public func rssFileKB(_ mm: UInt64) throws -> Int64 { try tasks.mmCounter(mm: mm, Self.fileIndex) * 4 }
    public func rssAnonKB(_ mm: UInt64) throws -> Int64 { try tasks.mmCounter(mm: mm, Self.anonIndex) * 4 }
    public func rssShmemKB(_ mm: UInt64) throws -> Int64 { try tasks.mmCounter(mm: mm, Self.shmemIndex) * 4 }
    public func swapKB(_ mm: UInt64) throws -> Int64 { try tasks.mmCounter(mm: mm, Self.swapIndex) * 4 }
    /// VmRSS: file + anon + shmem (fs/proc/task_mmu.c task_mem).
    public func rssKB(_ mm: UInt64) throws -> Int64 { try rssFileKB(mm) + rssAnonKB(mm) + rssShmemKB(mm) }

    public func startCode(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, startCode) }
    public func endCode(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, endCode) }
    public func startData(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, startData) }
    public func endData(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, endData) }
    public func startBrk(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, startBrk) }
    public func brk(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, brk) }
    public func startStack(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, startStack) }
    public func argStart(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, argStart) }
    public func argEnd(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, argEnd) }
    public func envStart(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, envStart) }
    public func envEnd(_ mm: UInt64) throws -> UInt64 { try kernel.readUnsigned(mm, envEnd) }
}
