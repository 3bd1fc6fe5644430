import KdsqlMemory

/// The RSS and swap counters of an address space (`mm_struct.rss_stat`) and
/// its virtual size, as /proc/PID/status computes VmSize, VmRSS and VmSwap
/// (fs/proc/task_mmu.c task_mem). Shared by `tasks` (rss_kb, vsz_kb) and `mm`.
public final class MMCounters {
    public let kernel: Kernel
    let totalVM: FieldRef, rssStat: FieldRef, rssIsPercpuCounter: Bool
    let pcCount: FieldRef?, pcCounters: FieldRef?
    let counterSize: Int
    let pageKB: Int64

    /// Indexes of the counters: an anonymous enum in
    /// include/linux/mm_types_task.h (MM_FILEPAGES, MM_ANONPAGES,
    /// MM_SWAPENTS, MM_SHMEMPAGES), so not findable by name; unchanged since 4.5.
    public static let fileIndex = 0, anonIndex = 1, swapIndex = 2, shmemIndex = 3

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        pageKB = Int64(kernel.pageSize / 1024)
        totalVM = try kernel.field("struct mm_struct", "total_vm")
        // mm_struct.rss_stat: struct mm_rss_stat {atomic_long_t count[]} up to 6.1,
        // an array of struct percpu_counter from 6.2 (commit f1a7941243c1).
        if let f = try? kernel.field("struct mm_struct", "rss_stat.count") {
            rssStat = f
            rssIsPercpuCounter = false
            pcCount = nil
            pcCounters = nil
            counterSize = 8
        } else {
            rssStat = try kernel.field("struct mm_struct", "rss_stat")
            rssIsPercpuCounter = true
            pcCount = try kernel.field("struct percpu_counter", "count")
            pcCounters = try kernel.field("struct percpu_counter", "counters")
            counterSize = try kernel.size(of: "struct percpu_counter")
        }
    }

    /// One counter in pages, as get_mm_counter() reads it: negative transients clamp to 0.
    public func pages(mm m: UInt64, _ index: Int) throws -> Int64 {
        if !rssIsPercpuCounter {
            return max(0, try kernel.readI64(m + rssStat.offset + UInt64(index * counterSize)))
        }
        // percpu_counter: the central count plus each CPU's unflushed delta
        // (percpu_counter_sum), as /proc does since 6.2.
        let pc = m + rssStat.offset + UInt64(index * counterSize)
        var total = try kernel.readI64(pc + pcCount!.offset)
        let counters = try kernel.readU64(pc + pcCounters!.offset)
        if counters != 0 {
            let offsets = try kernel.address(of: "__per_cpu_offset")
            for c in try kernel.possibleCPUs() {
                let off = try kernel.readU64(offsets + UInt64(c) * 8)
                total += Int64(try kernel.readI32(counters &+ off))
            }
        }
        return max(0, total)
    }

    public func fileKB(mm: UInt64) throws -> Int64 { try pages(mm: mm, Self.fileIndex) * pageKB }
    public func anonKB(mm: UInt64) throws -> Int64 { try pages(mm: mm, Self.anonIndex) * pageKB }
    public func shmemKB(mm: UInt64) throws -> Int64 { try pages(mm: mm, Self.shmemIndex) * pageKB }
    public func swapKB(mm: UInt64) throws -> Int64 { try pages(mm: mm, Self.swapIndex) * pageKB }
    /// VmRSS: file + anon + shmem; 0 for a NULL mm (kernel threads).
    public func rssKB(mm: UInt64) throws -> Int64 {
        guard mm != 0 else { return 0 }
        return try fileKB(mm: mm) + anonKB(mm: mm) + shmemKB(mm: mm)
    }
    /// VmSize (mm->total_vm pages); 0 for a NULL mm.
    public func virtualKB(mm: UInt64) throws -> Int64 {
        guard mm != 0 else { return 0 }
        return Int64(try kernel.readUnsigned(mm, totalVM)) * pageKB
    }
}
