import KdsqlMemory
import KdsqlDebugInfo

/// One line of /proc/meminfo.
public struct MemInfoLine: Sendable, Equatable {
    public var name: String
    /// The value as printed: kB for most lines, a count for HugePages_*.
    public var kb: Int64
}

/// /proc/meminfo as the kernel would have printed it at the crash (crash's
/// `kmem -i`), computed the way fs/proc/meminfo.c meminfo_proc_show() does
/// from the global counters: si_meminfo() (mm/page_alloc.c), si_swapinfo()
/// (mm/swapfile.c), si_mem_available() (mm/page_alloc.c), vm_commit_limit()
/// (mm/util.c), and the arch DirectMap lines (arch/x86/mm/pat/set_memory.c
/// arch_report_meminfo). Lines whose counter this kernel lacks are left out,
/// as the kernel leaves them out.
public final class MemInfo {
    public let kernel: Kernel
    let stat: VMStat
    let pageKB: Int64 = 4

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        stat = try VMStat(kernel: kernel)
    }

    func symbolI64(_ name: String) throws -> Int64 { try kernel.readI64(try kernel.address(of: name)) }
    func symbolI32(_ name: String) throws -> Int64 { Int64(try kernel.readI32(try kernel.address(of: name))) }
    /// A global counter wherever this kernel keeps it: some moved from the
    /// zone counters to the node ones (NR_PAGETABLE in 5.11, NR_KERNEL_STACK_KB
    /// in 5.9: enum zone_stat_item / node_stat_item, include/linux/mmzone.h),
    /// and no item is in both enums.
    func node(_ item: String) throws -> Int64 { try stat.global(node: item) ?? stat.global(zone: item) ?? 0 }
    func zone(_ item: String) throws -> Int64 { try stat.global(zone: item) ?? stat.global(node: item) ?? 0 }

    /// nr_blockdev_pages() (block/bdev.c): page-cache pages of the block
    /// device inodes on `blockdev_superblock->s_inodes`.
    public func blockdevPages() throws -> Int64 {
        let sb = try kernel.readU64(try kernel.address(of: "blockdev_superblock"))
        guard sb != 0 else { return 0 }
        let sInodes = try kernel.field("struct super_block", "s_inodes")
        let iSbList = try kernel.field("struct inode", "i_sb_list")
        let iMapping = try kernel.field("struct inode", "i_mapping")
        let nrpages = try kernel.field("struct address_space", "nrpages")
        var total: Int64 = 0
        try kernel.forEachListNode(head: sb + sInodes.offset, what: "blockdev inodes", limit: 1_000_000) { node in
            let inode = node - iSbList.offset
            if let mapping = try? kernel.readPointer(inode, iMapping), mapping != 0,
               let n = try? kernel.readSigned(mapping, nrpages) { total += n }
            return true
        }
        return total
    }

    /// percpu_counter_sum() (lib/percpu_counter.c): `count` plus each CPU's
    /// s32 delta. Every possible CPU is summed: panic() takes the other CPUs
    /// offline, but their deltas were still part of the value before it.
    public func percpuCounterSum(_ counter: UInt64) throws -> Int64 {
        var sum = try kernel.readI64(counter + (try kernel.field("struct percpu_counter", "count")).offset)
        let counters = try kernel.readU64(counter + (try kernel.field("struct percpu_counter", "counters")).offset)
        let offsets = try kernel.address(of: "__per_cpu_offset")
        for cpu in try kernel.possibleCPUs() {
            sum += Int64(try kernel.readI32(counters &+ (try kernel.readU64(offsets + UInt64(cpu) * 8))))
        }
        return sum
    }

    /// Sum of `watermark_low` over all zones, as si_mem_available() computes it.
    func lowWatermarks() throws -> Int64 {
        try Zones(kernel: kernel).all().reduce(0) { $0 + Int64($1.low) }
    }

    /// The lines in /proc/meminfo order.
    public func lines() throws -> [MemInfoLine] {
        var out: [MemInfoLine] = []
        func add(_ name: String, pages: Int64) { out.append(MemInfoLine(name: name, kb: pages * pageKB)) }
        func add(_ name: String, kb: Int64) { out.append(MemInfoLine(name: name, kb: kb)) }

        let totalram = try symbolI64("_totalram_pages")
        let free = try zone("NR_FREE_PAGES")
        let buffers = try blockdevPages()
        // NR_SWAPCACHE (5.13+) is what total_swapcache_pages() sums per swap device.
        let swapCache = try stat.global(node: "NR_SWAPCACHE") ?? 0
        let cached = max(0, try node("NR_FILE_PAGES") - swapCache - buffers)
        let activeAnon = try node("NR_ACTIVE_ANON"), inactiveAnon = try node("NR_INACTIVE_ANON")
        let activeFile = try node("NR_ACTIVE_FILE"), inactiveFile = try node("NR_INACTIVE_FILE")
        let swap = try SwapDevices(kernel: kernel)
        let (swapTotal, swapFree) = try swap.totals()
        let sReclaimable = try stat.global(node: "NR_SLAB_RECLAIMABLE_B") ?? stat.global(node: "NR_SLAB_RECLAIMABLE") ?? 0
        let sUnreclaim = try stat.global(node: "NR_SLAB_UNRECLAIMABLE_B") ?? stat.global(node: "NR_SLAB_UNRECLAIMABLE") ?? 0
        let miscReclaimable = try node("NR_KERNEL_MISC_RECLAIMABLE")

        // si_mem_available() (mm/page_alloc.c, v6.1).
        let wmarkLow = try lowWatermarks()
        let reserve = try symbolI64("totalreserve_pages")
        var available = free - reserve
        var pagecache = activeFile + inactiveFile
        pagecache -= min(pagecache / 2, wmarkLow)
        available += pagecache
        let reclaimable = sReclaimable + miscReclaimable
        available += reclaimable - min(reclaimable / 2, wmarkLow)
        available = max(available, 0)

        let hugetlbTotal = (try? hugePages()) ?? nil
        let commitLimit: Int64 = try {
            let kbytes = (try? symbolI64("sysctl_overcommit_kbytes")) ?? 0
            if kbytes != 0 { return kbytes / pageKB }
            let ratio = try symbolI32("sysctl_overcommit_ratio")
            return (totalram - (hugetlbTotal?.totalPages ?? 0)) * ratio / 100 + (try symbolI64("total_swap_pages"))
        }()
        // vm_memory_committed() (mm/util.c) is percpu_counter_sum_positive()
        // since 5.8: the per-CPU deltas count, and with a large batch they
        // hold most of the value.
        let committed = max(0, try percpuCounterSum(try kernel.address(of: "vm_committed_as")))

        add("MemTotal", pages: totalram)
        add("MemFree", pages: free)
        add("MemAvailable", pages: available)
        add("Buffers", pages: buffers)
        add("Cached", pages: cached)
        add("SwapCached", pages: swapCache)
        add("Active", pages: activeAnon + activeFile)
        add("Inactive", pages: inactiveAnon + inactiveFile)
        add("Active(anon)", pages: activeAnon)
        add("Inactive(anon)", pages: inactiveAnon)
        add("Active(file)", pages: activeFile)
        add("Inactive(file)", pages: inactiveFile)
        add("Unevictable", pages: try node("NR_UNEVICTABLE"))
        add("Mlocked", pages: try zone("NR_MLOCK"))
        add("SwapTotal", pages: swapTotal)
        add("SwapFree", pages: swapFree)
        if let (compressed, stored) = try? zswap() {
            if let compressed { add("Zswap", pages: compressed) }
            add("Zswapped", pages: stored)
        }
        add("Dirty", pages: try node("NR_FILE_DIRTY"))
        add("Writeback", pages: try node("NR_WRITEBACK"))
        add("AnonPages", pages: try node("NR_ANON_MAPPED"))
        add("Mapped", pages: try node("NR_FILE_MAPPED"))
        add("Shmem", pages: try node("NR_SHMEM"))
        add("KReclaimable", pages: reclaimable)
        add("Slab", pages: sReclaimable + sUnreclaim)
        add("SReclaimable", pages: sReclaimable)
        add("SUnreclaim", pages: sUnreclaim)
        add("KernelStack", kb: try node("NR_KERNEL_STACK_KB"))
        add("PageTables", pages: try node("NR_PAGETABLE"))
        if let sec = try stat.global(node: "NR_SECONDARY_PAGETABLE") { add("SecPageTables", pages: sec) }
        add("NFS_Unstable", kb: 0)
        add("Bounce", pages: try zone("NR_BOUNCE"))
        add("WritebackTmp", pages: try node("NR_WRITEBACK_TEMP"))
        add("CommitLimit", pages: commitLimit)
        add("Committed_AS", pages: committed)
        // VMALLOC_TOTAL (arch/x86/include/asm/pgtable_64_types.h): 32 TiB with
        // 4-level paging, 12800 TiB with 5-level, less one page as printed.
        let fiveLevel = (try? kernel.readU32(try kernel.address(of: "__pgtable_l5_enabled"))) ?? 0
        add("VmallocTotal", kb: fiveLevel != 0 ? (12800 << 30) - 1 : (32 << 30) - 1)
        // `nr_vmalloc_pages` (mm/vmalloc.c; vmalloc_nr_pages() is the function reading it).
        // The NR_VMALLOC node counter in 7.x, the `nr_vmalloc_pages` atomic before.
        if let used = try stat.global(node: "NR_VMALLOC") ?? (try? symbolI64("nr_vmalloc_pages")) {
            add("VmallocUsed", pages: used)
        }
        add("VmallocChunk", kb: 0)
        if let populated = try? symbolI32("pcpu_nr_populated"), let units = try? symbolI32("pcpu_nr_units") {
            add("Percpu", pages: populated * units)
        }
        // CONFIG_MEMORY_FAILURE: num_poisoned_pages (atomic_long_t, mm/memory-failure.c).
        if let poisoned = try? symbolI64("num_poisoned_pages") { add("HardwareCorrupted", pages: poisoned) }
        // The THP counters count base pages since 5.13 ("mm: memcontrol: convert
        // NR_ANON_THPS account to pages"), huge pages (HPAGE_PMD_NR = 512 on
        // x86_64) before; NR_SWAPCACHE arrived in the same release, so its
        // presence tells the two apart.
        let thpScale: Int64 = stat.nodeItem("NR_SWAPCACHE") != nil ? 1 : 512
        if let v = try stat.global(node: "NR_ANON_THPS") { add("AnonHugePages", pages: v * thpScale) }
        if let v = try stat.global(node: "NR_SHMEM_THPS") { add("ShmemHugePages", pages: v * thpScale) }
        if let v = try stat.global(node: "NR_SHMEM_PMDMAPPED") { add("ShmemPmdMapped", pages: v * thpScale) }
        if let v = try stat.global(node: "NR_FILE_THPS") { add("FileHugePages", pages: v * thpScale) }
        if let v = try stat.global(node: "NR_FILE_PMDMAPPED") { add("FilePmdMapped", pages: v * thpScale) }
        // The optional lines after the THP ones, each under its kernel's config
        // or version (fs/proc/meminfo.c): CONFIG_CMA, CONFIG_UNACCEPTED_MEMORY
        // (6.5), NR_BALLOON_PAGES (6.13), the GPU counters (7.x).
        // totalcma_pages exists without CONFIG_CMA too (6.1's mm/page_alloc.c);
        // cma_area_count (mm/cma.c) only with it.
        if (try? kernel.address(of: "cma_area_count")) != nil, let cma = try? symbolI64("totalcma_pages") {
            add("CmaTotal", pages: cma)
            add("CmaFree", pages: try stat.global(zone: "NR_FREE_CMA_PAGES") ?? 0)
        }
        if let v = try stat.global(zone: "NR_UNACCEPTED") { add("Unaccepted", pages: v) }
        if let v = try stat.global(node: "NR_BALLOON_PAGES") { add("Balloon", pages: v) }
        if let v = try stat.global(node: "NR_GPU_ACTIVE") { add("GPUActive", pages: v) }
        if let v = try stat.global(node: "NR_GPU_RECLAIM") { add("GPUReclaim", pages: v) }
        if let h = hugetlbTotal {
            add("HugePages_Total", kb: h.total)
            add("HugePages_Free", kb: h.free)
            add("HugePages_Rsvd", kb: h.reserved)
            add("HugePages_Surp", kb: h.surplus)
            add("Hugepagesize", kb: h.pageKB)
            add("Hugetlb", kb: h.totalPages * pageKB)
        }
        if let counts = try? kernel.address(of: "direct_pages_count") {
            // enum pg_level (arch/x86/include/asm/pgtable_types.h): 1 4K, 2 2M, 3 1G.
            add("DirectMap4k", kb: try kernel.readI64(counts + 8) * 4)
            add("DirectMap2M", kb: try kernel.readI64(counts + 16) << 11)
            let gb = try kernel.readI64(counts + 24)
            if gb != 0 { add("DirectMap1G", kb: gb << 20) }
        }
        return out
    }

    /// CONFIG_ZSWAP's two lines: the compressed pool's pages
    /// (zswap_total_pages(): each pool on `zswap_pools` asks its zsmalloc
    /// pool, `zs_pool.pages_allocated`) and the pages stored in it
    /// (`zswap_stored_pages`). Read where `struct zswap_pool` holds its
    /// `zs_pool` directly (the zpool layer is gone, mm/zswap.c in 7.x);
    /// earlier zswap layouts are not read (nil: no lines). The pool size is
    /// nil when a pool exists but its size cannot be read.
    func zswap() throws -> (Int64?, Int64)? {
        guard kernel.hasField("struct zswap_pool", "zs_pool") else { return nil }
        let stored = try symbolI64("zswap_stored_pages")
        let listF = try kernel.field("struct zswap_pool", "list"), zsPool = try kernel.field("struct zswap_pool", "zs_pool")
        var total: Int64? = 0
        try kernel.forEachListNode(head: try kernel.address(of: "zswap_pools"), what: "zswap_pools", limit: 64) { node in
            let pool = node - listF.offset
            if let allocated = try? kernel.field("struct zs_pool", "pages_allocated"), let t = total {
                total = t + (try kernel.readI64(try kernel.readPointer(pool, zsPool) + allocated.offset))
            } else {
                total = nil
            }
            return true
        }
        return (total, stored)
    }

    struct HugeTLB { var total, free, reserved, surplus, pageKB, totalPages: Int64 }

    /// The default huge page size's pool (`hstates[default_hstate_idx]`,
    /// mm/hugetlb.c hugetlb_report_meminfo) and hugetlb_total_pages() over all sizes.
    func hugePages() throws -> HugeTLB? {
        let hstates = try kernel.address(of: "hstates")
        let size = UInt64(try kernel.size(of: "struct hstate"))
        let count = Int(try kernel.readI32(try kernel.address(of: "hugetlb_max_hstate")))
        let idx = UInt64(try kernel.readI32(try kernel.address(of: "default_hstate_idx")))
        let h = "struct hstate"
        let order = try kernel.field(h, "order"), nr = try kernel.field(h, "nr_huge_pages")
        let freeF = try kernel.field(h, "free_huge_pages"), resv = try kernel.field(h, "resv_huge_pages")
        let surp = try kernel.field(h, "surplus_huge_pages")
        var totalPages: Int64 = 0
        for i in 0..<UInt64(max(0, min(count, 16))) {
            let hs = hstates + i * size
            totalPages += Int64(try kernel.readUnsigned(hs, nr)) << Int64(try kernel.readUnsigned(hs, order))
        }
        let d = hstates + idx * size
        return HugeTLB(total: Int64(try kernel.readUnsigned(d, nr)), free: Int64(try kernel.readUnsigned(d, freeF)),
                       reserved: Int64(try kernel.readUnsigned(d, resv)), surplus: Int64(try kernel.readUnsigned(d, surp)),
                       pageKB: 4 << Int64(try kernel.readUnsigned(d, order)), totalPages: totalPages)
    }
}
