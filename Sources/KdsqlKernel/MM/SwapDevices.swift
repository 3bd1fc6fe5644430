import KdsqlMemory
import KdsqlDebugInfo

/// One active swap area, as /proc/swaps and crash's `swap` show it.
public struct SwapDevice: Sendable, Equatable {
    public var address: UInt64
    /// Index in `swap_info[]` (the swap type of swap entries).
    public var index: Int
    public var path: String?
    /// `partition` for a block device, `file` for a regular file.
    public var type: String
    public var sizeKB: Int64
    public var usedKB: Int64
    public var priority: Int64
    public var flags: UInt64
}

/// Swap areas: `swap_info[MAX_SWAPFILES]` pointers, `nr_swapfiles` of them
/// used (mm/swapfile.c), each a `struct swap_info_struct`
/// (include/linux/swap.h). /proc/swaps (swap_show) lists those with
/// SWP_USED and SWP_WRITEOK; size is `pages`, used is `inuse_pages` — swap
/// slots in use, including those whose page is also in the swap cache.
public final class SwapDevices {
    public let kernel: Kernel
    let flags: FieldRef, prio: FieldRef, type: FieldRef, pages: FieldRef, inusePages: FieldRef, swapFile: FieldRef
    let fPath: FieldRef, fInode: FieldRef, iMode: FieldRef
    // The anonymous enum of swap_info_struct.flags (include/linux/swap.h),
    // unchanged since 2.6: SWP_USED = 1 << 0, SWP_WRITEOK = 1 << 1.
    static let swpUsed: UInt64 = 1, swpWriteOK: UInt64 = 2

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let s = "struct swap_info_struct"
        flags = try kernel.field(s, "flags")
        prio = try kernel.field(s, "prio")
        type = try kernel.field(s, "type")
        pages = try kernel.field(s, "pages")
        inusePages = try kernel.field(s, "inuse_pages")
        swapFile = try kernel.field(s, "swap_file")
        fPath = try kernel.field("struct file", "f_path")
        fInode = try kernel.field("struct file", "f_inode")
        iMode = try kernel.field("struct inode", "i_mode")
    }

    /// Every `swap_info[]` slot that is in use (SWP_USED), active or not.
    func slots() throws -> [(index: Int, si: UInt64)] {
        let base = try kernel.address(of: "swap_info")
        let count = Int(try kernel.readU32(try kernel.address(of: "nr_swapfiles")))
        var out: [(Int, UInt64)] = []
        for i in 0..<min(count, 64) {
            let si = try kernel.readU64(base + UInt64(i) * 8)
            // swap_info_struct is kmalloc'ed: an excluded slab page loses one area, not the table.
            guard si != 0, let f = try kernel.warnings.skipping("swap_info_struct", at: si, { try kernel.readUnsigned(si, flags) }),
                  f & Self.swpUsed != 0 else { continue }
            out.append((i, si))
        }
        return out
    }

    /// The areas /proc/swaps lists (SWP_USED and SWP_WRITEOK).
    public func all() throws -> [SwapDevice] {
        let vfs = try VFSPath(kernel: kernel)
        let kbPerPage = Int64(kernel.pageSize / 1024)
        return try slots().compactMap { index, si in try kernel.warnings.skipping("swap_info_struct", at: si) { () throws -> SwapDevice? in
            let f = try kernel.readUnsigned(si, flags)
            guard f & Self.swpWriteOK != 0 else { return nil }
            let file = try kernel.readPointer(si, swapFile)
            var path: String? = nil, kind = "file"
            if file != 0 {
                path = try? vfs.path(try vfs.pathRef(at: file + fPath.offset))
                if let inode = try? kernel.readPointer(file, fInode), inode != 0,
                   let mode = try? kernel.readUnsigned(inode, iMode), mode & 0o170000 == 0o060000 { kind = "partition" }
            }
            return SwapDevice(address: si, index: index, path: path, type: kind,
                              sizeKB: Int64(try kernel.readUnsigned(si, pages)) * kbPerPage,
                              usedKB: Int64(try kernel.readUnsigned(si, inusePages)) * kbPerPage,
                              priority: try kernel.readSigned(si, prio), flags: f)
        } ?? nil }
    }

    /// si_swapinfo() (mm/swapfile.c): (total, free) in pages, counting areas
    /// being swapped off (SWP_USED without SWP_WRITEOK) as total and free.
    public func totals() throws -> (total: Int64, free: Int64) {
        var toBeUnused: Int64 = 0
        for (_, si) in try slots() where try kernel.readUnsigned(si, flags) & Self.swpWriteOK == 0 {
            toBeUnused += Int64(try kernel.readUnsigned(si, inusePages))
        }
        let free = try kernel.readI64(try kernel.address(of: "nr_swap_pages"))
        let total = try kernel.readI64(try kernel.address(of: "total_swap_pages"))
        return (total + toBeUnused, free + toBeUnused)
    }
}
