import KdsqlMemory
import KdsqlDebugInfo

/// What a kernel address is (crash's `kmem ADDR`).
public struct AddressIdentity: Sendable, Equatable {
    /// `slab object`, `page`, `task stack`, `vmalloc`, `kernel text`,
    /// `kernel data`, `module`, `user` or `unknown`.
    public var kind: String
    public var cache: String?
    /// Start of the containing object (slab object, task_struct for a stack, module base).
    public var object: UInt64?
    public var offset: UInt64?
    /// The struct page of the frame, for direct-map addresses.
    public var page: UInt64?
    /// `name+0xoff` of the nearest kernel symbol (text and data), or the module name.
    public var symbol: String?
    /// For a slab object: whether it is allocated. For a task stack: the pid.
    public var allocated: Bool?
    public var pid: Int64?
}

/// Classifies addresses the way crash's `kmem ADDR` does, most specific
/// first: user space (below the canonical hole), the kernel image
/// (`_stext`..`_etext` text, then up to `_end` data, by symbol), modules
/// (their memory regions), task stacks (`task->stack` .. + THREAD_SIZE,
/// 16 KiB on x86_64 without KASAN),
/// direct-map pages (slab objects through `slab_cache` of the frame's
/// head page), and the vmalloc range (`vmalloc_base`, 32 TiB with 4-level paging).
public final class Whatis {
    public let kernel: Kernel
    let map: PageMap
    let caches: SlabCaches
    let objects: SlabObjects
    let tasks: Tasks
    let modules: Modules?
    let compoundHead: FieldRef?, taskStack: FieldRef
    let threadSize: UInt64 = 16384 // THREAD_SIZE (arch/x86/include/asm/page_64_types.h, KASAN off)
    lazy var stacks: [(base: UInt64, task: UInt64)] = {
        var out: [(UInt64, UInt64)] = []
        if let all = try? tasks.all() {
            for t in all { if let s = try? kernel.readPointer(t, taskStack), s != 0 { out.append((s, t)) } }
        }
        return out
    }()

    public init(kernel: Kernel, caches: SlabCaches? = nil, tasks: Tasks? = nil) throws {
        self.kernel = kernel
        map = try PageMap(kernel: kernel)
        self.caches = try caches ?? SlabCaches(kernel: kernel)
        objects = try SlabObjects(kernel: kernel, caches: self.caches)
        self.tasks = try tasks ?? Tasks(kernel: kernel)
        modules = try? Modules(kernel: kernel)
        // Tail pages name their head in `compound_head` (bit 0 set); kernels
        // whose struct page lost the field (7.x memdescs) are read head-only.
        // Renamed `compound_info` in 7.x (VMCOREINFO says OFFSET(page.compound_info)).
        compoundHead = try? kernel.field("struct page", oneOf: ["compound_head", "compound_info"])
        taskStack = try kernel.field("struct task_struct", "stack")
    }

    func symbolText(_ a: UInt64) -> String? {
        guard let hit = kernel.symbols.symbolize(a) else { return nil }
        return hit.offset == 0 ? hit.symbol.name : "\(hit.symbol.name)+0x\(String(hit.offset, radix: 16))"
    }

    public func identify(_ a: UInt64) throws -> AddressIdentity {
        var id = AddressIdentity(kind: "unknown")
        if a < 0x0000_8000_0000_0000 { id.kind = "user"; return id }
        if let stext = try? kernel.address(of: "_stext"), let end = try? kernel.address(of: "_end"), a >= stext, a < end {
            let etext = (try? kernel.address(of: "_etext")) ?? stext
            id.kind = a < etext ? "kernel text" : "kernel data"
            id.symbol = symbolText(a)
            return id
        }
        if let modules, let mods = try? modules.all(), let m = mods.first(where: { $0.contains(a) }) {
            id.kind = "module"; id.symbol = m.name; id.object = m.base; id.offset = a &- m.base
            return id
        }
        if let s = stacks.first(where: { a >= $0.base && a - $0.base < threadSize }) {
            id.kind = "task stack"; id.object = s.task; id.offset = a - s.base; id.pid = try? tasks.pid(s.task)
            return id
        }
        if a >= map.pageOffset && a < map.pageOffset &+ (map.maxPfn << 12) {
            let pfn = (a - map.pageOffset) >> 12
            var page = map.page(pfn: pfn)
            id.kind = "page"; id.page = page
            if let compoundHead {
                page = PageMap.compoundHead(page: page, info: try kernel.readU64(page + compoundHead.offset))
            }
            if try map.isSlab(page: page) == true {
                let cache = try kernel.readPointer(page, objects.slabCache)
                let stride = try kernel.readUnsigned(cache, objects.size)
                let pad = try objects.redLeftPad.map { try kernel.readUnsigned(cache, $0) } ?? 0
                let base = map.virtualAddress(pfn: map.pfn(page: page))
                let count = UInt64(try kernel.readUnsigned(page, objects.objects))
                let index = (a - base) / max(stride, 1)
                id.kind = "slab object"; id.cache = try caches.name(of: cache)
                if index < count {
                    let slot = base + index * stride
                    id.object = slot + pad
                    id.offset = a &- (slot + pad)
                    id.allocated = try objects.objects(cache: cache, slabs: [page]).first { $0.address == slot + pad }?.allocated
                }
            }
            return id
        }
        if let vb = try? kernel.readU64(try kernel.address(of: "vmalloc_base")), a >= vb, a - vb < (32 << 40) {
            id.kind = "vmalloc"
            return id
        }
        return id
    }
}
