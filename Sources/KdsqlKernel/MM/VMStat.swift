import KdsqlMemory
import KdsqlDebugInfo

/// The kernel's global and per-zone/per-node page counters
/// (include/linux/vmstat.h, mm/vmstat.c): `vm_zone_stat[]` indexed by
/// `enum zone_stat_item`, `vm_node_stat[]` by `enum node_stat_item`, and the
/// per-object copies `zone->vm_stat[]` / `pglist_data->vm_stat[]`.
///
/// These are what /proc/meminfo and /proc/zoneinfo print
/// (global_zone_page_state(), global_node_page_state(), zone_page_state()):
/// the atomics only, without the per-CPU deltas not yet folded in, and
/// clamped at 0 as the kernel does on SMP. Items are found by enumerator
/// name, because their numbering changes between versions (NR_ZONE_LRU_BASE
/// moved into node stats in 4.8, NR_SWAPCACHE appeared in 5.13,
/// NR_SECONDARY_PAGETABLE in 6.0, ...).
public struct VMStat {
    public let kernel: Kernel
    let atomicLongSize: UInt64

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        atomicLongSize = UInt64(try kernel.size(of: "atomic_long_t"))
    }

    /// Index of `item` in `enum zone_stat_item` / `enum node_stat_item`, nil
    /// when this kernel does not have the counter.
    public func zoneItem(_ item: String) -> Int? { index("zone_stat_item", item) }
    public func nodeItem(_ item: String) -> Int? { index("node_stat_item", item) }

    func index(_ enumName: String, _ item: String) -> Int? {
        let v = kernel.enumValue(enumName, item, fallback: -1)
        return v < 0 ? nil : Int(v)
    }

    /// global_zone_page_state(item), in pages; nil when the item does not exist.
    public func global(zone item: String) throws -> Int64? {
        guard let i = zoneItem(item) else { return nil }
        return try read(array: try kernel.address(of: "vm_zone_stat"), i)
    }

    /// global_node_page_state(item) (pages, or bytes/kB for the *_B / *_KB items).
    public func global(node item: String) throws -> Int64? {
        guard let i = nodeItem(item) else { return nil }
        return try read(array: try kernel.address(of: "vm_node_stat"), i)
    }

    /// zone_page_state(zone, item): `zone->vm_stat[item]`.
    public func zone(_ zone: UInt64, _ item: String) throws -> Int64? {
        guard let i = zoneItem(item) else { return nil }
        return try read(array: zone + (try kernel.field("struct zone", "vm_stat")).offset, i)
    }

    /// node_page_state(pgdat, item): `pgdat->vm_stat[item]`.
    public func node(_ pgdat: UInt64, _ item: String) throws -> Int64? {
        guard let i = nodeItem(item) else { return nil }
        return try read(array: pgdat + (try kernel.field("struct pglist_data", "vm_stat")).offset, i)
    }

    func read(array: UInt64, _ i: Int) throws -> Int64 {
        max(0, try kernel.readI64(array + UInt64(i) * atomicLongSize))
    }
}
