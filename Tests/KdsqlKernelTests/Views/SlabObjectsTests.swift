import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Objects of slab caches, checked against the caches' own counters.
@Suite struct SlabObjectsTests {
    /// Every slab of a cache is found in the memory map, so the slots add up
    /// to the node counter `total_objects`; the allocated ones are at most
    /// slabinfo's active_objs (which counts CPU-free objects as active) and
    /// at least that minus what the CPUs hold.
    @Test(arguments: Fixtures.viewsSets, ["task_struct", "mm_struct", "kmalloc-64", "sighand_cache", "shmem_inode_cache"])
    func slotsAddUpToTheCachesCounters(set: String, name: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let caches = try SlabCaches(kernel: kernel)
        let cache = try #require(try caches.all().first { $0.name == name })
        let walker = try SlabObjects(kernel: kernel, caches: caches)
        let slabs = try walker.slabs(of: [cache.address])[cache.address] ?? []
        #expect(Int64(slabs.count) == cache.slabs, "\(name) slabs")
        let objects = try walker.objects(cache: cache.address, slabs: slabs)
        #expect(Int64(objects.count) == cache.totalObjects, "\(name) objects")
        let allocated = Int64(objects.filter(\.allocated).count)
        #expect(allocated <= cache.activeObjects && allocated >= cache.activeObjects - cache.cpuSlabs * cache.objectsPerSlab,
                "\(name): \(allocated) allocated, slabinfo active \(cache.activeObjects)")
    }

    /// Every task_struct the task list reaches is an allocated object of task_struct.
    @Test(arguments: Fixtures.viewsSets) func everyTaskIsAnAllocatedTaskStruct(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let caches = try SlabCaches(kernel: kernel)
        let cache = try #require(try caches.all().first { $0.name == "task_struct" })
        let walker = try SlabObjects(kernel: kernel, caches: caches)
        let objects = try walker.objects(cache: cache.address, slabs: try walker.slabs(of: [cache.address])[cache.address] ?? [])
        let allocated = Set(objects.filter(\.allocated).map(\.address))
        let tasks = try Tasks(kernel: kernel)
        for t in try tasks.all() where try tasks.pid(t) != 0 {
            #expect(allocated.contains(t), "task 0x\(String(t, radix: 16))")
        }
    }

    /// On every kernel the memory map's slab pages of task_struct are all its
    /// slabs (PG_slab on 6.1, the PGTY_slab page type on 6.12).
    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelFindsEverySlabOfTaskStruct(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let caches = try SlabCaches(kernel: kernel)
        let cache = try #require(try caches.all().first { $0.name == "task_struct" })
        let walker = try SlabObjects(kernel: kernel, caches: caches)
        let slabs = try walker.slabs(of: [cache.address])[cache.address] ?? []
        #expect(Int64(slabs.count) == cache.slabs)
        #expect(Int64(try walker.objects(cache: cache.address, slabs: slabs).count) == cache.totalObjects)
    }
}
