import KdsqlMemory
import KdsqlDebugInfo

/// One disk or partition, as /proc/partitions and /proc/diskstats show it.
public struct Disk: Sendable, Equatable {
    public var address: UInt64
    public var major: Int64
    public var minor: Int64
    public var name: String
    /// 0 for the whole disk.
    public var partition: Int64
    public var startSector: Int64
    public var sizeKB: Int64
    /// Completed I/Os, merges and sectors summed over the per-CPU counters
    /// (part_stat_read, include/linux/part_stat.h).
    public var reads: Int64, writes: Int64, readSectors: Int64, writtenSectors: Int64
    /// I/Os in flight; NULL for blk-mq queues, whose in-flight requests are
    /// counted by walking the tag sets (blk_mq_in_flight), which kdsql does not do.
    public var inFlight: Int64?
    public var readOnly: Bool
    public var disk: UInt64
}

/// Disks and partitions (crash's `dev -d`, /proc/partitions, /proc/diskstats),
/// read the way the running kernel keeps them: `struct block_device` on the
/// bdev filesystem from 5.11 on (BlockDeviceDisks), `struct hd_struct` in each
/// gendisk's partition table before (HDStructDisks).
public final class Disks {
    public let kernel: Kernel
    let blockDevices: BlockDeviceDisks?
    let hdStructs: HDStructDisks?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        if let modern = try BlockDeviceDisks(kernel: kernel) {
            (blockDevices, hdStructs) = (modern, nil)
        } else {
            (blockDevices, hdStructs) = (nil, try HDStructDisks(kernel: kernel))
        }
    }

    /// Every disk and partition, ordered by device number.
    public func all() throws -> [Disk] {
        let disks = try blockDevices?.all() ?? hdStructs?.all() ?? []
        return disks.sorted { ($0.major, $0.minor) < ($1.major, $1.minor) }
    }
}

extension Kernel {
    /// Sum over the possible CPUs of element `i` of an array of 8-byte
    /// counters at field `f` of a per-CPU object (`part_stat_read`,
    /// include/linux/part_stat.h).
    func perCPUSum(_ percpu: UInt64, _ f: FieldRef, _ i: Int) throws -> Int64 {
        let offsets = try address(of: "__per_cpu_offset")
        var total: Int64 = 0
        for cpu in try possibleCPUs() {
            total &+= try readI64((percpu &+ (try readU64(offsets + UInt64(cpu) * 8))) + f.offset + UInt64(i) * 8)
        }
        return total
    }
}
