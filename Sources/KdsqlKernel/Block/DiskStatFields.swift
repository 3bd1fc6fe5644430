import KdsqlMemory

/// A disk's I/O counters, the same on every kernel: the per-CPU `struct
/// disk_stats` (include/linux/part_stat.h; genhd.h before 5.11) that
/// 5.11+ hangs off `block_device.bd_stats` and earlier kernels off
/// `hd_struct.dkstats`, summed over the possible CPUs.
struct DiskStatFields {
    let ios: FieldRef, sectors: FieldRef, inFlight: FieldRef?, queue: FieldRef, mqOps: FieldRef?

    struct Counters {
        var reads: Int64 = 0, writes: Int64 = 0, readSectors: Int64 = 0, writtenSectors: Int64 = 0
        /// Requests in flight, for bio-based drivers only (blk-mq counts them elsewhere).
        var inFlight: Int64?
    }

    init(kernel: Kernel) throws {
        ios = try kernel.field("struct disk_stats", "ios")
        sectors = try kernel.field("struct disk_stats", "sectors")
        inFlight = try? kernel.field("struct disk_stats", "in_flight")
        queue = try kernel.field("struct gendisk", "queue")
        mqOps = try? kernel.field("struct request_queue", "mq_ops")
    }

    /// The counters at the per-CPU `stats` of a partition of `gendisk`; all
    /// zero when `stats` is NULL.
    func counters(_ kernel: Kernel, stats: UInt64, gendisk: UInt64) throws -> Counters {
        var c = Counters()
        guard stats != 0 else { return c }
        // enum stat_group (include/linux/blk_types.h): STAT_READ 0, STAT_WRITE 1; unsigned long arrays.
        c.reads = try kernel.perCPUSum(stats, ios, 0); c.writes = try kernel.perCPUSum(stats, ios, 1)
        c.readSectors = try kernel.perCPUSum(stats, sectors, 0); c.writtenSectors = try kernel.perCPUSum(stats, sectors, 1)
        let q = try kernel.readPointer(gendisk, queue)
        let isMQ = try q != 0 && (mqOps.map { try kernel.readPointer(q, $0) != 0 } ?? false)
        if !isMQ, let inFlight {
            // local_t in_flight[2] (bio-based drivers): reads + writes.
            c.inFlight = try kernel.perCPUSum(stats, inFlight, 0) + kernel.perCPUSum(stats, inFlight, 1)
        }
        return c
    }
}
