import KdsqlMemory
import KdsqlDebugInfo

/// One object slot of a slab (crash's `kmem -S`).
public struct SlabObject: Sendable, Equatable {
    public var cache: String
    public var cacheAddress: UInt64
    /// Address of the slab (struct slab / struct page).
    public var slab: UInt64
    public var address: UInt64
    /// False when the slot is on the slab's freelist or its CPU's freelist.
    public var allocated: Bool
}

/// Every object of a SLUB cache. Full slabs are on no list (the `full`
/// list is kept only for debug caches), so the memory map is scanned for
/// slab pages of the cache (PG_slab and `slab_cache`), which also finds the
/// per-CPU and partial slabs. A slot is free when it is on the slab's
/// `freelist` or, for a CPU's active slab, on that CPU's
/// `kmem_cache_cpu.freelist`. Free pointers sit at `s->offset` inside the
/// object and, with CONFIG_SLAB_FREELIST_HARDENED, are stored as
/// `ptr ^ s->random ^ swab(ptr_address)` (mm/slub.c freelist_ptr(), 5.7+;
/// before 5.7 without the swab).
public final class SlabObjects {
    public let kernel: Kernel
    let caches: SlabCaches
    let map: PageMap
    let slabCache: FieldRef, freelist: FieldRef, objects: FieldRef
    let offset: FieldRef, random: FieldRef?, redLeftPad: FieldRef?, size: FieldRef, cpuSlab: FieldRef?
    let cpuFreelist: FieldRef?, cpuSlabField: FieldRef?

    public init(kernel: Kernel, caches: SlabCaches? = nil) throws {
        self.kernel = kernel
        self.caches = try caches ?? SlabCaches(kernel: kernel)
        map = try PageMap(kernel: kernel)
        let slab = self.caches.slabType
        slabCache = try kernel.field(slab, "slab_cache")
        freelist = try kernel.field(slab, "freelist")
        objects = self.caches.objects
        let c = "struct kmem_cache"
        offset = try kernel.field(c, "offset")
        random = try? kernel.field(c, "random")
        redLeftPad = try? kernel.field(c, "red_left_pad")
        size = try kernel.field(c, "size")
        // Kernels with per-CPU sheaves (6.18+) have no cpu_slab: objects cached
        // in a sheaf are allocated as far as their slab is concerned.
        cpuSlab = try? kernel.field(c, "cpu_slab")
        cpuFreelist = try? kernel.field("struct kmem_cache_cpu", "freelist")
        cpuSlabField = try? kernel.field("struct kmem_cache_cpu", oneOf: ["slab", "page"])
    }

    /// Slab pages of the given caches, by cache, found in one pass over the memory map.
    public func slabs(of wanted: Set<UInt64>) throws -> [UInt64: [UInt64]] {
        guard map.knowsSlabPages else {
            throw MemoryError.missing("this kernel marks slab pages in a way kdsql does not read (neither the PG_slab flag, the 6.10 PG_slab page type nor PGTY_slab)")
        }
        var out: [UInt64: [UInt64]] = [:]
        var pfn: UInt64 = 0
        while pfn < map.maxPfn {
            let page = map.page(pfn: pfn)
            // A hole in the memory map (unmapped vmemmap): skip the rest of its page of struct pages.
            guard let isSlab = try? map.isSlab(page: page) else {
                let perPage = max(1, 4096 / map.pageStructSize)
                pfn = (pfn / perPage + 1) * perPage
                continue
            }
            if isSlab == true, let cache = try? kernel.readPointer(page, slabCache), wanted.contains(cache) {
                out[cache, default: []].append(page)
            }
            pfn += 1
        }
        return out
    }

    func decode(_ stored: UInt64, at slot: UInt64, random r: UInt64?) -> UInt64 {
        guard let r else { return stored }
        return stored ^ r ^ slot.byteSwapped
    }

    /// Free slots reachable from a freelist head.
    func walkFreelist(_ head: UInt64, cache: UInt64, offset off: UInt64, random r: UInt64?, bound: Int, into free: inout Set<UInt64>) {
        var p = head
        var steps = 0
        while p != 0, steps <= bound, free.insert(p).inserted {
            guard let stored = try? kernel.readU64(p + off) else { return }
            p = decode(stored, at: p + off, random: r)
            steps += 1
        }
    }

    /// The objects of one cache.
    public func objects(cache c: UInt64, slabs: [UInt64]) throws -> [SlabObject] {
        let name = try caches.name(of: c)
        let stride = try kernel.readUnsigned(c, size)
        let off = try kernel.readUnsigned(c, offset)
        let r = try random.map { try kernel.readU64(c + $0.offset) }
        let pad = try redLeftPad.map { try kernel.readUnsigned(c, $0) } ?? 0
        // Per-CPU freelists and the slabs they belong to.
        var cpuFree: [UInt64: UInt64] = [:]
        if let cpuSlab, let cpuSlabField, let cpuFreelist {
            let percpu = try kernel.readU64(c + cpuSlab.offset)
            let offsets = try kernel.address(of: "__per_cpu_offset")
            for cpu in try kernel.possibleCPUs() {
                let kcc = percpu &+ (try kernel.readU64(offsets + UInt64(cpu) * 8))
                let s = try kernel.readU64(kcc + cpuSlabField.offset)
                if s != 0 { cpuFree[s] = try kernel.readU64(kcc + cpuFreelist.offset) }
            }
        }
        var out: [SlabObject] = []
        for slab in slabs {
            let count = Int(try kernel.readUnsigned(slab, objects))
            let base = map.virtualAddress(pfn: map.pfn(page: slab))
            var free = Set<UInt64>()
            walkFreelist(try kernel.readU64(slab + freelist.offset), cache: c, offset: off, random: r, bound: count, into: &free)
            if let head = cpuFree[slab] { walkFreelist(head, cache: c, offset: off, random: r, bound: count, into: &free) }
            for i in 0..<UInt64(count) {
                let slot = base + i * stride
                // The freelist links the slot's start; the caller's object begins after the left red zone.
                out.append(SlabObject(cache: name, cacheAddress: c, slab: slab, address: slot + pad, allocated: !free.contains(slot)))
            }
        }
        return out
    }
}
