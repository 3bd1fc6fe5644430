import KdsqlMemory
import KdsqlDebugInfo

/// Disks and partitions before 5.11 (block/genhd.c, include/linux/genhd.h at
/// v5.10): every disk and partition is a `struct hd_struct` (a disk's is the
/// `part0` embedded in its `struct gendisk`; partitions hang off
/// `gendisk->part_tbl`), and each has a `struct device __dev` registered in
/// `block_class`. /proc/partitions walks that class (disk_seqf_start:
/// class_dev_iter over `block_class` filtered by `disk_type`) and then each
/// disk's partition table; here the class's device list gives disks and
/// partitions alike, told apart by `device.type` (`disk_type` or
/// `part_type`). Counters are the per-CPU `hd_struct.dkstats`; the
/// read-only flag is `hd_struct.policy`.
final class HDStructDisks {
    let kernel: Kernel
    let klistDevices: FieldRef, knodeClass: FieldRef, privDevice: FieldRef, classPrivate: FieldRef
    let devType: FieldRef, devParent: FieldRef, devDevt: FieldRef, devName: FieldRef
    let hdDev: FieldRef, startSect: FieldRef, nrSects: FieldRef, partno: FieldRef, policy: FieldRef, dkstats: FieldRef
    let part0: FieldRef
    let statFields: DiskStatFields
    let blockClass: UInt64, diskType: UInt64, partType: UInt64

    init(kernel: Kernel) throws {
        self.kernel = kernel
        guard (try? kernel.field("struct hd_struct", "start_sect")) != nil else {
            throw MemoryError.missing("disks: neither struct block_device.bd_start_sect (5.11+) nor struct hd_struct (before 5.11) in the type information")
        }
        // struct class.p (struct subsys_private *) until 6.3; later kernels have
        // no hd_struct, so this path never meets the class_to_subsys() layout.
        classPrivate = try kernel.field("struct class", "p")
        klistDevices = try kernel.field("struct subsys_private", "klist_devices.k_list")
        knodeClass = try kernel.field("struct device_private", "knode_class.n_node")
        privDevice = try kernel.field("struct device_private", "device")
        devType = try kernel.field("struct device", "type")
        devParent = try kernel.field("struct device", "parent")
        devDevt = try kernel.field("struct device", "devt")
        devName = try kernel.field("struct device", "kobj.name")
        hdDev = try kernel.field("struct hd_struct", "__dev")
        startSect = try kernel.field("struct hd_struct", "start_sect")
        nrSects = try kernel.field("struct hd_struct", "nr_sects")
        partno = try kernel.field("struct hd_struct", "partno")
        policy = try kernel.field("struct hd_struct", "policy")
        dkstats = try kernel.field("struct hd_struct", "dkstats")
        part0 = try kernel.field("struct gendisk", "part0")
        statFields = try DiskStatFields(kernel: kernel)
        blockClass = try kernel.address(of: "block_class")
        diskType = try kernel.address(of: "disk_type")
        partType = try kernel.address(of: "part_type")
    }

    func all() throws -> [Disk] {
        let priv = try kernel.readPointer(blockClass, classPrivate)
        guard priv != 0 else { return [] }
        var out: [Disk] = []
        try kernel.forEachListNode(head: priv + klistDevices.offset, what: "block_class devices", limit: 1_000_000) { node in
            let device = try kernel.readPointer(node - knodeClass.offset, privDevice)
            if device != 0, let d = try disk(device: device) { out.append(d) }
            return true
        }
        return out
    }

    /// The disk or partition whose `hd_struct.__dev` is `device`; nil for
    /// other block-class devices.
    func disk(device: UInt64) throws -> Disk? {
        let type = try kernel.readPointer(device, devType)
        guard type == diskType || type == partType else { return nil }
        let part = device - hdDev.offset
        // part_to_disk(): a disk's own hd_struct is its part0; a partition's
        // device has the disk's device as parent.
        let diskDevice = type == diskType ? device : try kernel.readPointer(device, devParent)
        let gendisk = diskDevice - hdDev.offset - part0.offset
        let dev = try kernel.readUnsigned(device, devDevt)
        let namePtr = try kernel.readPointer(device, devName)
        let stats = try kernel.readPointer(part, dkstats)
        let c = try statFields.counters(kernel, stats: stats, gendisk: gendisk)
        return Disk(address: part, major: Int64(dev >> 20), minor: Int64(dev & 0xfffff),
                    name: namePtr == 0 ? "?" : try kernel.readCString(namePtr, maxLength: 64),
                    partition: Int64(try kernel.readSigned(part, partno)),
                    startSector: Int64(try kernel.readUnsigned(part, startSect)),
                    sizeKB: Int64(try kernel.readUnsigned(part, nrSects)) / 2,
                    reads: c.reads, writes: c.writes, readSectors: c.readSectors, writtenSectors: c.writtenSectors, inFlight: c.inFlight,
                    readOnly: try kernel.readSigned(part, policy) != 0, disk: gendisk)
    }
}
