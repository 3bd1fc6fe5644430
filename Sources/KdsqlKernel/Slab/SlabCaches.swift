import KdsqlMemory
import KdsqlDebugInfo

/// One slab cache, as /proc/slabinfo and crash's `kmem -s` show it.
public struct SlabCache: Sendable, Equatable {
    public var address: UInt64
    public var name: String
    /// `object_size`: the size callers asked for.
    public var objectSize: Int64
    /// `size`: the object's stride in the slab (metadata and alignment included),
    /// /proc/slabinfo's `<objsize>`.
    public var size: Int64
    public var objectsPerSlab: Int64
    /// Page order of one slab.
    public var order: Int64
    /// /proc/slabinfo's active_objs: all objects minus the free objects of
    /// the slabs on the per-node partial lists.
    public var activeObjects: Int64
    public var totalObjects: Int64
    public var slabs: Int64
    /// Slabs on the per-node partial lists, and the free objects in them.
    public var partialSlabs: Int64
    /// Slabs held by CPUs (kmem_cache_cpu.slab) and on per-CPU partial lists.
    public var cpuSlabs: Int64
    public var flags: UInt64
    public var refcount: Int64
}

/// SLUB slab caches: the `slab_caches` list (mm/slab_common.c) of
/// `struct kmem_cache` (include/linux/slub_def.h) linked by `list`.
/// Per-node counts come from `node[]` → `struct kmem_cache_node`
/// (mm/slab.h): `nr_slabs` and `total_objects` are exact atomic counters
/// (CONFIG_SLUB_DEBUG); free objects are counted on the `partial` list, as
/// get_slabinfo()/count_partial() do (mm/slub.c).
///
/// Layout differences: since 5.17 (commit d122019bf061 "mm: Split slab into
/// its own type") a slab is a `struct slab` whose `slab_list`, `inuse` and
/// `objects` overlay struct page; before, the same fields were members of
/// `struct page` (`slab_list` since 5.0, `lru` before). SLAB (the other
/// allocator, removed in 6.8) keeps different per-node lists and is not read.
public final class SlabCaches {
    public let kernel: Kernel
    let list: FieldRef, name: FieldRef, size: FieldRef, objectSize: FieldRef, oo: FieldRef
    let flags: FieldRef, refcount: FieldRef, node: FieldRef, cpuSlab: FieldRef?
    /// Distance between `node[]` entries and where the kmem_cache_node pointer sits in one.
    let nodeStride: UInt64, nodePointer: UInt64
    let nrSlabs: FieldRef?, totalObjects: FieldRef?, nrPartial: FieldRef, partial: FieldRef
    let slabType: String, slabList: FieldRef, inuse: FieldRef, objects: FieldRef
    let cpuSlabSlab: FieldRef?, cpuSlabPartial: FieldRef?, slabSlabs: FieldRef?
    let nodeCount: Int

    /// kmem_cache_order_objects packs the order above 16 bits of objects
    /// (mm/slub.c OO_SHIFT, OO_MASK).
    static let ooShift: UInt64 = 16

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let c = "struct kmem_cache"
        list = try kernel.field(c, "list")
        name = try kernel.field(c, "name")
        size = try kernel.field(c, "size")
        objectSize = try kernel.field(c, "object_size")
        oo = try kernel.field(c, "oo")
        flags = try kernel.field(c, "flags")
        refcount = try kernel.field(c, "refcount")
        // `node[MAX_NUMNODES]` of kmem_cache_node pointers; since the per-CPU
        // sheaves (6.18) `per_node[]` of struct kmem_cache_per_node_ptrs { barn, node }.
        if let perNode = try? kernel.field(c, "per_node") {
            node = perNode
            nodeStride = UInt64(try kernel.size(of: "struct kmem_cache_per_node_ptrs"))
            nodePointer = try kernel.field("struct kmem_cache_per_node_ptrs", "node").offset
        } else {
            node = try kernel.field(c, "node")
            nodeStride = 8
            nodePointer = 0
        }
        // Per-CPU slabs (`cpu_slab`) were replaced by per-CPU sheaves of objects in 6.18+.
        cpuSlab = try? kernel.field(c, "cpu_slab")
        // `node[MAX_NUMNODES]` is declared at full size, but kmem_cache_init()
        // allocates caches with room for nr_node_ids entries only (mm/slub.c):
        // what lies past them belongs to the next object.
        let declared = node.size / Int(nodeStride)
        let used = (try? kernel.address(of: "nr_node_ids")).flatMap { try? kernel.readU32($0) }.map(Int.init) ?? 1
        nodeCount = max(1, min(declared, used))
        let n = "struct kmem_cache_node"
        nrSlabs = try? kernel.field(n, "nr_slabs")
        totalObjects = try? kernel.field(n, "total_objects")
        nrPartial = try kernel.field(n, "nr_partial")
        partial = try kernel.field(n, "partial")
        if kernel.hasField("struct slab", "slab_cache") {
            slabType = "struct slab"
            slabList = try kernel.field(slabType, "slab_list")
            cpuSlabSlab = try? kernel.field("struct kmem_cache_cpu", "slab")
        } else {
            slabType = "struct page"
            slabList = try kernel.field(slabType, oneOf: ["slab_list", "lru"])
            cpuSlabSlab = try? kernel.field("struct kmem_cache_cpu", "page")
        }
        inuse = try kernel.field(slabType, "inuse")
        objects = try kernel.field(slabType, "objects")
        cpuSlabPartial = try? kernel.field("struct kmem_cache_cpu", "partial")
        // The head of a per-CPU partial list records how many slabs the list
        // holds: `struct slab.slabs` since 5.17, `struct page.pages` before
        // (include/linux/mm_types.h at v5.10: `struct page *next; int pages;
        // int pobjects;` in the SLUB part of the union).
        slabSlabs = try? kernel.field(slabType, oneOf: ["slabs", "pages"])
    }

    /// Addresses of every cache, in list order (newest first, as /proc/slabinfo).
    public func addresses() throws -> [UInt64] {
        try kernel.listNodes(head: try kernel.address(of: "slab_caches"), what: "slab_caches", limit: 100_000)
            .map { $0 - list.offset }
    }

    public func all() throws -> [SlabCache] { try addresses().map { try cache(at: $0) } }

    public func name(of cache: UInt64) throws -> String {
        try kernel.readCString(try kernel.readPointer(cache, name), maxLength: 64)
    }

    /// The per-node `struct kmem_cache_node` pointers that are set.
    public func nodes(of cache: UInt64) throws -> [UInt64] {
        try (0..<nodeCount).compactMap { i in
            let p = try kernel.readU64(cache + node.offset + UInt64(i) * nodeStride + nodePointer)
            return p == 0 ? nil : p
        }
    }

    /// Slabs on one node's partial list.
    public func partialSlabs(node n: UInt64) throws -> [UInt64] {
        try kernel.listNodes(head: n + partial.offset, what: "kmem_cache_node.partial", limit: 10_000_000)
            .map { $0 - slabList.offset }
    }

    public func cache(at c: UInt64) throws -> SlabCache {
        let packed = try kernel.readUnsigned(c, oo)
        var slabs: Int64 = 0, total: Int64 = 0, free: Int64 = 0, partialCount: Int64 = 0
        for n in try nodes(of: c) {
            if let nrSlabs { slabs += try kernel.readSigned(n, nrSlabs) }
            if let totalObjects { total += try kernel.readSigned(n, totalObjects) }
            for slab in try partialSlabs(node: n) {
                partialCount += 1
                free += Int64(try kernel.readUnsigned(slab, objects)) - Int64(try kernel.readUnsigned(slab, inuse))
            }
        }
        return SlabCache(
            address: c, name: try name(of: c),
            objectSize: Int64(try kernel.readUnsigned(c, objectSize)), size: Int64(try kernel.readUnsigned(c, size)),
            objectsPerSlab: Int64(packed & ((1 << Self.ooShift) - 1)), order: Int64(packed >> Self.ooShift),
            activeObjects: total - free, totalObjects: total, slabs: slabs, partialSlabs: partialCount,
            cpuSlabs: (try? cpuSlabCount(c)) ?? 0,
            flags: try kernel.readUnsigned(c, flags), refcount: try kernel.readSigned(c, refcount))
    }

    /// Slabs the CPUs hold: the active slab of each `kmem_cache_cpu` plus
    /// the length of its per-CPU partial list (the head records it in `slabs`).
    func cpuSlabCount(_ c: UInt64) throws -> Int64 {
        guard let cpuSlab, let cpuSlabSlab else { return 0 }
        let percpu = try kernel.readU64(c + cpuSlab.offset)
        let offsets = try kernel.address(of: "__per_cpu_offset")
        var count: Int64 = 0
        for cpu in try kernel.possibleCPUs() {
            let kcc = percpu &+ (try kernel.readU64(offsets + UInt64(cpu) * 8))
            if try kernel.readU64(kcc + cpuSlabSlab.offset) != 0 { count += 1 }
            if let cpuSlabPartial, let slabSlabs {
                let head = try kernel.readU64(kcc + cpuSlabPartial.offset)
                if head != 0 { count += Int64(try kernel.readUnsigned(head, slabSlabs)) }
            }
        }
        return count
    }
}
