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

/// Block devices (crash's `dev -d`): every `struct block_device` lives in a
/// `struct bdev_inode` (block/bdev.c) on the bdev pseudo-filesystem's
/// `blockdev_superblock->s_inodes`, whole disks and partitions alike (since
/// 5.11, commit 0d02129e76ed "block: merge struct block_device and struct
/// hd_struct"). Name is the device's kobject name (dev_name(&bdev->bd_device),
/// what /proc/partitions prints). The partition number moved from `bd_partno`
/// into the low byte of `__bd_flags` in 6.10; `bd_read_only` became a flag bit
/// (BD_READ_ONLY, bit 8) at the same time.
public final class Disks {
    public let kernel: Kernel
    let sInodes: FieldRef, iSbList: FieldRef, bdevOffset: UInt64, vfsInodeOffset: UInt64
    let bdDev: FieldRef, bdDisk: FieldRef, bdStartSect: FieldRef, bdNrSectors: FieldRef?, bdStats: FieldRef
    let bdPartno: FieldRef?, bdFlags: FieldRef?, bdReadOnly: FieldRef?, kobjName: FieldRef, iSize: FieldRef
    let ios: FieldRef, sectors: FieldRef, inFlight: FieldRef?, queue: FieldRef, mqOps: FieldRef?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        sInodes = try kernel.field("struct super_block", "s_inodes")
        iSbList = try kernel.field("struct inode", "i_sb_list")
        iSize = try kernel.field("struct inode", "i_size")
        bdevOffset = try kernel.field("struct bdev_inode", "bdev").offset
        vfsInodeOffset = try kernel.field("struct bdev_inode", "vfs_inode").offset
        let b = "struct block_device"
        bdDev = try kernel.field(b, "bd_dev")
        bdDisk = try kernel.field(b, "bd_disk")
        guard let start = try? kernel.field(b, "bd_start_sect") else {
            // Before 5.11 partitions were struct hd_struct in gendisk->part_tbl and
            // block_device objects existed only for opened devices.
            throw MemoryError.missing("disks needs Linux 5.11 or later (struct block_device with bd_start_sect); this kernel keeps partitions in struct hd_struct")
        }
        bdStartSect = start
        bdNrSectors = try? kernel.field(b, "bd_nr_sectors")
        bdStats = try kernel.field(b, "bd_stats")
        bdPartno = try? kernel.field(b, "bd_partno")
        bdFlags = try? kernel.field(b, "__bd_flags")
        bdReadOnly = try? kernel.field(b, "bd_read_only")
        kobjName = try kernel.field(b, "bd_device.kobj.name")
        ios = try kernel.field("struct disk_stats", "ios")
        sectors = try kernel.field("struct disk_stats", "sectors")
        inFlight = try? kernel.field("struct disk_stats", "in_flight")
        queue = try kernel.field("struct gendisk", "queue")
        mqOps = try? kernel.field("struct request_queue", "mq_ops")
    }

    /// Every block device with a disk, ordered by device number.
    public func all() throws -> [Disk] {
        let sb = try kernel.readU64(try kernel.address(of: "blockdev_superblock"))
        guard sb != 0 else { return [] }
        var out: [Disk] = []
        try kernel.forEachListNode(head: sb + sInodes.offset, what: "blockdev inodes", limit: 1_000_000) { node in
            let bdev = node - iSbList.offset - vfsInodeOffset + bdevOffset
            if let d = try disk(bdev: bdev, inode: node - iSbList.offset) { out.append(d) }
            return true
        }
        return out.sorted { ($0.major, $0.minor) < ($1.major, $1.minor) }
    }

    func disk(bdev: UInt64, inode: UInt64) throws -> Disk? {
        let gendisk = try kernel.readPointer(bdev, bdDisk)
        let dev = try kernel.readUnsigned(bdev, bdDev)
        guard gendisk != 0, dev != 0 else { return nil }
        // dev_t in the kernel: major in the high 12 bits, minor in the low 20 (MINORBITS).
        let major = Int64(dev >> 20), minor = Int64(dev & 0xfffff)
        let flags = try bdFlags.map { try kernel.readUnsigned(bdev, $0) }
        let partno: Int64 = try bdPartno.map { Int64(try kernel.readUnsigned(bdev, $0)) } ?? Int64((flags ?? 0) & 0xff)
        let readOnly = try bdReadOnly.map { try kernel.readUnsigned(bdev, $0) != 0 } ?? ((flags ?? 0) & 0x100 != 0)
        let sectorsTotal = try bdNrSectors.map { Int64(try kernel.readUnsigned(bdev, $0)) }
            ?? (try kernel.readSigned(inode, iSize)) / 512
        let namePtr = try kernel.readPointer(bdev, kobjName)
        let name = namePtr == 0 ? "?" : try kernel.readCString(namePtr, maxLength: 64)
        let stats = try kernel.readPointer(bdev, bdStats)
        var reads: Int64 = 0, writes: Int64 = 0, rs: Int64 = 0, ws: Int64 = 0
        var flight: Int64? = nil
        if stats != 0 {
            // enum stat_group (include/linux/blk_types.h): STAT_READ 0, STAT_WRITE 1; unsigned long arrays.
            reads = try sum(stats, ios, 0); writes = try sum(stats, ios, 1)
            rs = try sum(stats, sectors, 0); ws = try sum(stats, sectors, 1)
            let q = try kernel.readPointer(gendisk, queue)
            let isMQ = try q != 0 && (mqOps.map { try kernel.readPointer(q, $0) != 0 } ?? false)
            if !isMQ, let inFlight {
                // local_t in_flight[2] (bio-based drivers): reads + writes.
                flight = try sum(stats, inFlight, 0) + sum(stats, inFlight, 1)
            }
        }
        return Disk(address: bdev, major: major, minor: minor, name: name, partition: partno,
                    startSector: Int64(try kernel.readUnsigned(bdev, bdStartSect)), sizeKB: sectorsTotal / 2,
                    reads: reads, writes: writes, readSectors: rs, writtenSectors: ws, inFlight: flight,
                    readOnly: readOnly, disk: gendisk)
    }

    /// Sum over CPUs of element `i` of an array of 8-byte counters in the per-CPU disk_stats.
    func sum(_ stats: UInt64, _ f: FieldRef, _ i: Int) throws -> Int64 {
        let offsets = try kernel.address(of: "__per_cpu_offset")
        var total: Int64 = 0
        for cpu in try kernel.possibleCPUs() {
            total &+= try kernel.readI64((stats &+ (try kernel.readU64(offsets + UInt64(cpu) * 8))) + f.offset + UInt64(i) * 8)
        }
        return total
    }
}
