import KdsqlMemory
import KdsqlDebugInfo

/// One memory zone of one node, as /proc/zoneinfo prints it (`kmem -z`).
public struct MemoryZone: Sendable, Equatable {
    public var node: Int
    public var name: String
    public var address: UInt64
    /// zone_page_state(zone, NR_FREE_PAGES), what /proc/zoneinfo prints.
    public var freePages: Int64
    /// The CPUs' NR_FREE_PAGES deltas not yet folded into `freePages`
    /// (`vm_stat_diff`; zone_page_state_snapshot() adds them): freePages
    /// plus this is the exact count the buddy lists hold.
    public var freePagesPerCPU: Int64
    /// Watermarks as the allocator uses them: `_watermark[]` plus
    /// `watermark_boost` (min_wmark_pages() and friends, include/linux/mmzone.h).
    public var min: UInt64
    public var low: UInt64
    public var high: UInt64
    public var boost: UInt64
    public var managed: UInt64
    public var present: UInt64
    public var spanned: UInt64
    public var startPfn: UInt64
    /// `present_pages != 0` (populated_zone()); /proc/buddyinfo lists only these.
    public var populated: Bool { present != 0 }
}

/// One order of a zone's buddy allocator (/proc/buddyinfo, `kmem -f`).
public struct FreeArea: Sendable, Equatable {
    public var node: Int
    public var zone: String
    public var order: Int
    /// `free_area[order].nr_free`: free blocks of 2^order pages.
    public var freeBlocks: UInt64
}

/// Memory nodes and their zones: `node_data[]` on NUMA kernels
/// (arch/x86/mm/numa.c), `contig_page_data` otherwise (mm/memblock.c);
/// each `struct pglist_data` holds `node_zones[MAX_NR_ZONES]`
/// (include/linux/mmzone.h). zoneinfo prints every zone of an online node
/// (zoneinfo_show walks them unpopulated included), buddyinfo only populated ones.
public final class Zones {
    public let kernel: Kernel
    let stat: VMStat
    let nodeZones: FieldRef, nodeId: FieldRef
    let zoneName: FieldRef, watermark: FieldRef, boost: FieldRef?
    let managed: FieldRef, present: FieldRef, spanned: FieldRef, startPfn: FieldRef
    let freeArea: FieldRef, nrFree: FieldRef
    let zoneSize: UInt64, freeAreaSize: UInt64, maxOrder: Int, maxZones: Int
    let wmarkMin: Int, wmarkLow: Int, wmarkHigh: Int, wordSize: UInt64
    /// Per-CPU zone counter deltas: `zone->per_cpu_zonestats->vm_stat_diff[]`
    /// since 5.14 (struct per_cpu_zonestat), `zone->pageset->vm_stat_diff[]`
    /// (struct per_cpu_pageset) before; s8 each.
    let perCPUStats: FieldRef?, statDiff: FieldRef?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        stat = try VMStat(kernel: kernel)
        let z = "struct zone"
        nodeZones = try kernel.field("struct pglist_data", "node_zones")
        nodeId = try kernel.field("struct pglist_data", "node_id")
        zoneName = try kernel.field(z, "name")
        // `_watermark` since 5.0 (commit 1c30844d2dfe added the boost); `watermark` before.
        watermark = try kernel.field(z, oneOf: ["_watermark", "watermark"])
        boost = try? kernel.field(z, "watermark_boost")
        managed = try kernel.field(z, "managed_pages")
        present = try kernel.field(z, "present_pages")
        spanned = try kernel.field(z, "spanned_pages")
        startPfn = try kernel.field(z, "zone_start_pfn")
        freeArea = try kernel.field(z, "free_area")
        nrFree = try kernel.field("struct free_area", "nr_free")
        zoneSize = UInt64(try kernel.size(of: z))
        freeAreaSize = UInt64(try kernel.size(of: "struct free_area"))
        maxOrder = freeArea.size / Int(freeAreaSize)
        maxZones = nodeZones.size / Int(zoneSize)
        // enum zone_watermarks (include/linux/mmzone.h); fallbacks are its v6.1 values.
        wmarkMin = Int(kernel.enumValue("zone_watermarks", "WMARK_MIN", fallback: 0))
        wmarkLow = Int(kernel.enumValue("zone_watermarks", "WMARK_LOW", fallback: 1))
        wmarkHigh = Int(kernel.enumValue("zone_watermarks", "WMARK_HIGH", fallback: 2))
        wordSize = 8
        if let f = try? kernel.field(z, "per_cpu_zonestats") {
            (perCPUStats, statDiff) = (f, try? kernel.field("struct per_cpu_zonestat", "vm_stat_diff"))
        } else {
            (perCPUStats, statDiff) = (try? kernel.field(z, "pageset"), try? kernel.field("struct per_cpu_pageset", "vm_stat_diff"))
        }
    }

    /// Sum over the possible CPUs of a zone item's per-CPU delta; 0 when the
    /// layout is not known.
    func perCPUDelta(zone z: UInt64, _ item: String) throws -> Int64 {
        guard let perCPUStats, let statDiff, let i = stat.zoneItem(item) else { return 0 }
        let percpu = try kernel.readU64(z + perCPUStats.offset)
        let offsets = try kernel.address(of: "__per_cpu_offset")
        var total: Int64 = 0
        for cpu in try kernel.possibleCPUs() {
            let base = percpu &+ (try kernel.readU64(offsets + UInt64(cpu) * 8))
            total += Int64(Int8(bitPattern: try kernel.readU8(base + statDiff.offset + UInt64(i))))
        }
        return total
    }

    /// Every node's `struct pglist_data`, by node id.
    public func nodes() throws -> [(id: Int, pgdat: UInt64)] {
        if let nodeData = try? kernel.address(of: "node_data") {
            // NUMA: `struct pglist_data *node_data[MAX_NUMNODES]`; nr_node_ids bounds the used part.
            let count = (try? kernel.address(of: "nr_node_ids")).map { Int((try? kernel.readU32($0)) ?? 1) } ?? 1
            var out: [(Int, UInt64)] = []
            for i in 0..<min(max(count, 1), 1024) {
                let p = try kernel.readU64(nodeData + UInt64(i) * 8)
                if p != 0 { out.append((i, p)) }
            }
            return out
        }
        return [(0, try kernel.address(of: "contig_page_data"))]
    }

    /// Every zone of every node, in node then zone order.
    public func all() throws -> [MemoryZone] {
        var out: [MemoryZone] = []
        for (id, pgdat) in try nodes() {
            for i in 0..<maxZones {
                out.append(try zone(at: pgdat + nodeZones.offset + UInt64(i) * zoneSize, node: id))
            }
        }
        return out
    }

    public func zone(at z: UInt64, node: Int) throws -> MemoryZone {
        let boostValue = try boost.map { try kernel.readUnsigned(z, $0) } ?? 0
        func mark(_ i: Int) throws -> UInt64 {
            try kernel.readU64(z + watermark.offset + UInt64(i) * wordSize) &+ boostValue
        }
        let name = (try? kernel.readCString(try kernel.readPointer(z, zoneName), maxLength: 32)) ?? "?"
        return MemoryZone(
            node: node, name: name, address: z,
            freePages: try stat.zone(z, "NR_FREE_PAGES") ?? 0,
            freePagesPerCPU: try perCPUDelta(zone: z, "NR_FREE_PAGES"),
            min: try mark(wmarkMin), low: try mark(wmarkLow), high: try mark(wmarkHigh), boost: boostValue,
            managed: try kernel.readUnsigned(z, managed), present: try kernel.readUnsigned(z, present),
            spanned: try kernel.readUnsigned(z, spanned), startPfn: try kernel.readUnsigned(z, startPfn))
    }

    /// `free_area[order].nr_free` of every order of every populated zone.
    public func freeAreas() throws -> [FreeArea] {
        try all().filter(\.populated).flatMap { z in
            try (0..<maxOrder).map { order in
                FreeArea(node: z.node, zone: z.name, order: order,
                         freeBlocks: try kernel.readUnsigned(z.address + freeArea.offset + UInt64(order) * freeAreaSize, nrFree))
            }
        }
    }
}
