import KdsqlMemory
import KdsqlDebugInfo

/// Block devices (crash's `dev -d`): every `struct block_device` lives in a
/// `struct bdev_inode` (block/bdev.c) on the bdev pseudo-filesystem's
/// `blockdev_superblock->s_inodes`, whole disks and partitions alike (since
/// 5.11, commit 0d02129e76ed "block: merge struct block_device and struct
/// hd_struct"). Name is the device's kobject name (dev_name(&bdev->bd_device),
/// what /proc/partitions prints). The partition number moved from `bd_partno`
/// into the low byte of `__bd_flags` in 6.10; `bd_read_only` became a flag bit
/// (BD_READ_ONLY, bit 8) at the same time.
final class BlockDeviceDisks {
    let kernel: Kernel
    let sInodes: FieldRef, iSbList: FieldRef, bdevOffset: UInt64, vfsInodeOffset: UInt64
    let bdDev: FieldRef, bdDisk: FieldRef, bdStartSect: FieldRef, bdNrSectors: FieldRef?, bdStats: FieldRef
    let bdPartno: FieldRef?, bdFlags: FieldRef?, bdReadOnly: FieldRef?, kobjName: FieldRef, iSize: FieldRef
    let statFields: DiskStatFields

    /// nil when the kernel predates 5.11 (no `block_device.bd_start_sect`).
    init?(kernel: Kernel) throws {
        self.kernel = kernel
        sInodes = try kernel.field("struct super_block", "s_inodes")
        iSbList = try kernel.field("struct inode", "i_sb_list")
        iSize = try kernel.field("struct inode", "i_size")
        bdevOffset = try kernel.field("struct bdev_inode", "bdev").offset
        vfsInodeOffset = try kernel.field("struct bdev_inode", "vfs_inode").offset
        let b = "struct block_device"
        bdDev = try kernel.field(b, "bd_dev")
        bdDisk = try kernel.field(b, "bd_disk")
        // Before 5.11 partitions were struct hd_struct (HDStructDisks) and
        // block_device objects existed only for opened devices.
        guard let start = try? kernel.field(b, "bd_start_sect") else { return nil }
        bdStartSect = start
        bdNrSectors = try? kernel.field(b, "bd_nr_sectors")
        bdStats = try kernel.field(b, "bd_stats")
        bdPartno = try? kernel.field(b, "bd_partno")
        bdFlags = try? kernel.field(b, "__bd_flags")
        bdReadOnly = try? kernel.field(b, "bd_read_only")
        kobjName = try kernel.field(b, "bd_device.kobj.name")
        statFields = try DiskStatFields(kernel: kernel)
    }

    /// Every block device with a disk, ordered by device number.
    func all() throws -> [Disk] {
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
        let c = try statFields.counters(kernel, stats: stats, gendisk: gendisk)
        return Disk(address: bdev, major: major, minor: minor, name: name, partition: partno,
                    startSector: Int64(try kernel.readUnsigned(bdev, bdStartSect)), sizeKB: sectorsTotal / 2,
                    reads: c.reads, writes: c.writes, readSectors: c.readSectors, writtenSectors: c.writtenSectors, inFlight: c.inFlight,
                    readOnly: readOnly, disk: gendisk)
    }
}
