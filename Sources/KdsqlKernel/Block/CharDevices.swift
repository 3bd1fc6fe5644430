import KdsqlMemory
import KdsqlDebugInfo

/// One registered device major, as /proc/devices lists it.
public struct DeviceMajor: Sendable, Equatable, Hashable {
    /// `char` or `block`.
    public var type: String
    public var major: Int64
    public var name: String
    /// First minor and number of minors (character devices; NULL for block).
    public var baseMinor: Int64?
    public var minorCount: Int64?
}

/// Registered device majors (/proc/devices, crash's `dev`):
/// character devices in `chrdevs[CHRDEV_MAJOR_HASH_SIZE]` chains of
/// `struct char_device_struct` (fs/char_dev.c), block devices in
/// `major_names[BLKDEV_MAJOR_HASH_SIZE]` chains of `struct blk_major_name`
/// (block/genhd.c). Both hash sizes are 255 (include/linux/fs.h,
/// include/linux/blkdev.h) since 2.6; /proc/devices prints majors in
/// ascending order, a character major once per registered range.
public final class DeviceMajors {
    public let kernel: Kernel
    static let hashSize = 255

    public init(kernel: Kernel) throws { self.kernel = kernel }

    func chains(_ symbol: String, _ type: String, nextName: String = "next") throws -> [UInt64] {
        let base = try kernel.address(of: symbol)
        let next = try kernel.field(type, nextName)
        var out: [UInt64] = []
        for i in 0..<Self.hashSize {
            var p = try kernel.readU64(base + UInt64(i) * 8)
            var guardCount = 0
            while p != 0 && guardCount < 10_000 {
                out.append(p)
                p = try kernel.readPointer(p, next)
                guardCount += 1
            }
            if guardCount >= 10_000 { throw MemoryError.cycle(what: "\(symbol)[\(i)]", at: p) }
        }
        return out
    }

    public func characterDevices() throws -> [DeviceMajor] {
        let t = "struct char_device_struct"
        let major = try kernel.field(t, "major"), base = try kernel.field(t, "baseminor")
        let count = try kernel.field(t, "minorct"), name = try kernel.field(t, "name")
        let rows = try chains("chrdevs", t).map { cd in
            DeviceMajor(type: "char", major: Int64(try kernel.readUnsigned(cd, major)), name: try kernel.readCharArray(cd, name),
                        baseMinor: Int64(try kernel.readUnsigned(cd, base)), minorCount: try kernel.readSigned(cd, count))
        }
        return rows.sorted { ($0.major, $0.baseMinor ?? 0) < ($1.major, $1.baseMinor ?? 0) }
    }

    public func blockDevices() throws -> [DeviceMajor] {
        let t = "struct blk_major_name"
        let major = try kernel.field(t, "major"), name = try kernel.field(t, "name")
        return try chains("major_names", t).map { bm in
            DeviceMajor(type: "block", major: Int64(try kernel.readUnsigned(bm, major)), name: try kernel.readCharArray(bm, name),
                        baseMinor: nil, minorCount: nil)
        }.sorted { $0.major < $1.major }
    }
}
