import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Slab caches against /proc/slabinfo (truth/slabinfo.csv).
@Suite struct SlabCachesTests {
    static func caches(_ dump: String) throws -> [SlabCache] {
        try SlabCaches(kernel: try Kernel.open(path: try Fixtures.path(dump))).all()
    }

    @Test(arguments: Fixtures.viewsSets) func cachesAreThoseOfSlabinfoInItsOrder(set: String) throws {
        let truth = try Fixtures.truthCSV(set, "slabinfo.csv")
        #expect(try Self.caches(try Fixtures.viewsEntry(set)).map(\.name) == truth.map { $0["name"]! })
    }

    @Test(arguments: Fixtures.viewsSets) func geometryOfEveryCacheIsExact(set: String) throws {
        let caches = Dictionary(try Self.caches(try Fixtures.viewsEntry(set)).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for r in try Fixtures.truthCSV(set, "slabinfo.csv") {
            let c = try #require(caches[r["name"]!])
            #expect(c.size == Int64(r["objsize"]!)!, "\(c.name) size")
            #expect(c.objectsPerSlab == Int64(r["objperslab"]!)!, "\(c.name) objects per slab")
            #expect(1 << c.order == Int64(r["pagesperslab"]!)!, "\(c.name) order")
        }
    }

    /// Caches the truth capture itself churned after it read /proc/slabinfo
    /// (it then read /proc/PID/{ns,cgroup,status,sched} of every task, making
    /// proc inodes, dentries and their LSM blobs; it forked `cat`, `ip` and
    /// `nsenter` for later sections, whose VMAs and cgroup-charged kmallocs come
    /// and go; it opened /proc/PID/net of the other network namespace, whose
    /// proc entries are made on first use) or that busy kernel paths use.
    static let churned: Set<String> = ["proc_inode_cache", "dentry", "lsm_inode_cache", "inode_cache", "filp",
                                       "maple_node", "vmap_area", "kmalloc-192", "kmalloc-96", "vm_area_struct",
                                       "proc_dir_entry", "kmalloc-cg-64"]

    /// Every cache the capture did not churn has exactly slabinfo's counts:
    /// nr_slabs and total_objects are exact counters and the partial lists
    /// hold the free objects slabinfo subtracts.
    @Test(arguments: Fixtures.viewsSets) func countsOfQuietCachesMatchSlabinfoExactly(set: String) throws {
        let caches = Dictionary(try Self.caches(try Fixtures.viewsEntry(set)).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let truth = try Fixtures.truthCSV(set, "slabinfo.csv")
        for r in truth where !Self.churned.contains(r["name"]!) && !Self.perProcess.contains(r["name"]!) {
            let c = try #require(caches[r["name"]!])
            #expect(c.activeObjects == Int64(r["active_objs"]!)!, "\(c.name) active_objs")
            #expect(c.totalObjects == Int64(r["num_objs"]!)!, "\(c.name) num_objs")
            #expect(c.slabs == Int64(r["num_slabs"]!)!, "\(c.name) num_slabs")
        }
    }

    /// Caches with one object per process: the crasher, forked after the
    /// capture, can take the first object of a new slab (one 5.10 run:
    /// task_struct 160 -> 165 objects, 32 -> 33 slabs, 5 per slab).
    static let perProcess: Set<String> = ["task_struct", "mm_struct", "signal_cache", "sighand_cache", "files_cache",
                                          "fs_cache", "cred_jar", "pid"]

    /// Those caches hold slabinfo's slabs or one more, and their objects
    /// differ by at most that slab's objects.
    @Test(arguments: Fixtures.viewsSets) func perProcessCachesHaveAtMostOneSlabMore(set: String) throws {
        let caches = Dictionary(try Self.caches(try Fixtures.viewsEntry(set)).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for r in try Fixtures.truthCSV(set, "slabinfo.csv") where Self.perProcess.contains(r["name"]!) {
            let c = try #require(caches[r["name"]!])
            let slabs = Int64(r["num_slabs"]!)!, total = Int64(r["num_objs"]!)!, active = Int64(r["active_objs"]!)!
            #expect(c.slabs == slabs || c.slabs == slabs + 1, "\(c.name) slabs: dump \(c.slabs), truth \(slabs)")
            #expect(c.totalObjects - total == (c.slabs - slabs) * c.objectsPerSlab, "\(c.name) num_objs")
            #expect(abs(c.activeObjects - active) <= c.objectsPerSlab, "\(c.name) active_objs: dump \(c.activeObjects), truth \(active)")
        }
    }

    /// The churned caches only grew (nothing frees proc inodes or dentries
    /// without memory pressure) and by less than 3x.
    @Test(arguments: Fixtures.viewsSets) func churnedCachesGrewSinceTheCapture(set: String) throws {
        let caches = Dictionary(try Self.caches(try Fixtures.viewsEntry(set)).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for r in try Fixtures.truthCSV(set, "slabinfo.csv") where Self.churned.contains(r["name"]!) {
            let c = try #require(caches[r["name"]!])
            let total = Int64(r["num_objs"]!)!
            #expect(c.totalObjects * 10 >= total * 8 && c.totalObjects <= total * 3,
                    "\(c.name): dump \(c.totalObjects), truth \(total)")
        }
    }

    @Test(arguments: Fixtures.kernelDumps)
    func countsAreConsistentOnEveryKernel(dump: String) throws {
        let caches = try Self.caches(dump)
        #expect(caches.count > 50)
        #expect(caches.contains { $0.name == "task_struct" && $0.totalObjects > 50 })
        for c in caches {
            #expect(c.activeObjects >= 0 && c.activeObjects <= c.totalObjects, "\(c.name)")
            #expect(c.totalObjects <= c.slabs * c.objectsPerSlab, "\(c.name)")
            #expect(c.objectSize <= c.size, "\(c.name)")
        }
    }
}
