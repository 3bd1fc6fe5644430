import KdsqlMemory
import KdsqlDebugInfo

/// One address space (`struct mm_struct`, include/linux/mm_types.h) as
/// crash's `vm` header shows it: page-table root, sizes, RSS split, and the
/// layout boundaries the kernel records at exec and brk. Columns are read
/// on demand.
public final class MmSummary {
    public let kernel: Kernel
    let counters: MMCounters
    let pgd: FieldRef, mapCount: FieldRef
    let startCode: FieldRef, endCode: FieldRef, startData: FieldRef, endData: FieldRef
    let startBrk: FieldRef, brk: FieldRef, startStack: FieldRef
    let argStart: FieldRef, argEnd: FieldRef, envStart: FieldRef, envEnd: FieldRef

    public init(kernel: Kernel, counters: MMCounters? = nil) throws {
        self.kernel = kernel
        self.counters = try counters ?? MMCounters(kernel: kernel)
        let mm = "struct mm_struct"
        pgd = try kernel.field(mm, "pgd")
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
    public func totalVMKB(_ mm: UInt64) throws -> Int64 { try counters.virtualKB(mm: mm) }
    public func mapCount(_ mm: UInt64) throws -> Int64 { try kernel.readSigned(mm, mapCount) }

    public func rssFileKB(_ mm: UInt64) throws -> Int64 { try counters.fileKB(mm: mm) }
    public func rssAnonKB(_ mm: UInt64) throws -> Int64 { try counters.anonKB(mm: mm) }
    public func rssShmemKB(_ mm: UInt64) throws -> Int64 { try counters.shmemKB(mm: mm) }
    public func swapKB(_ mm: UInt64) throws -> Int64 { try counters.swapKB(mm: mm) }
    /// VmRSS: file + anon + shmem (fs/proc/task_mmu.c task_mem).
    public func rssKB(_ mm: UInt64) throws -> Int64 { try counters.rssKB(mm: mm) }

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
