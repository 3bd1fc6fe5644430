import KdsqlMemory
import KdsqlDebugInfo

/// A task's open file descriptors, like crash's `files` and /proc/PID/fd:
/// `task->files->fdt`, whose `open_fds` bitmap says which of the first
/// `max_fds` slots of `fd[]` are allocated (include/linux/fdtable.h,
/// fs/file.c). A set bit with a NULL `fd[i]` is a reserved descriptor
/// (allocated by get_unused_fd_flags, e.g. by accept(), before fd_install):
/// /proc does not list those and neither does this walker.
public final class TaskFiles {
    public let kernel: Kernel
    /// What each descriptor's struct file says.
    public let decoder: FileDecoder
    public var paths: VFSPath { decoder.paths }
    let taskFiles: FieldRef
    let fdt: FieldRef, maxFds: FieldRef, fdArray: FieldRef, openFds: FieldRef, closeOnExec: FieldRef
    let embeddedFdArray: FieldRef

    /// NR_OPEN (include/linux/fs.h): no fd table is larger; a bigger
    /// max_fds means a corrupt table.
    static let nrOpen = 1 << 20

    public init(kernel: Kernel, decoder: FileDecoder? = nil) throws {
        self.kernel = kernel
        self.decoder = try decoder ?? FileDecoder(kernel: kernel)
        taskFiles = try kernel.field("struct task_struct", "files")
        fdt = try kernel.field("struct files_struct", "fdt")
        maxFds = try kernel.field("struct fdtable", "max_fds")
        fdArray = try kernel.field("struct fdtable", "fd")
        openFds = try kernel.field("struct fdtable", "open_fds")
        closeOnExec = try kernel.field("struct fdtable", "close_on_exec")
        embeddedFdArray = try kernel.field("struct files_struct", "fd_array")
    }

    /// Calls `body` with (fd, struct file *) for each installed descriptor in
    /// fd order; `body` returns false to stop. Tasks without a files_struct
    /// (exited, or kernel threads that dropped it) have none.
    public func forEachOpenFile(task: UInt64, _ body: (Int, UInt64) throws -> Bool) throws {
        let files = try kernel.readPointer(task, taskFiles)
        guard files != 0 else { return }
        let table = try kernel.readPointer(files, fdt)
        guard table != 0 else { throw MemoryError.nullPointer(what: "files_struct 0x\(String(files, radix: 16)) fdt") }
        let max = Int(try kernel.readUnsigned(table, maxFds))
        guard max <= Self.nrOpen else {
            throw MemoryError.typeMismatch("fdtable 0x\(String(table, radix: 16)) claims max_fds = \(max) (> NR_OPEN); the table is corrupt")
        }
        let fds = try kernel.readPointer(table, fdArray)
        let bitmap = try kernel.readPointer(table, openFds)
        guard max > 0, fds != 0, bitmap != 0 else { return }
        try checkAllocation(files: files, table: table, max: max, fds: fds, openFds: bitmap)
        let words = try kernel.read(bitmap, count: (max + 63) / 64 * 8)
        for w in 0..<(max + 63) / 64 {
            var bits = words.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: w * 8, as: UInt64.self) }
            while bits != 0 {
                let fd = w * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                guard fd < max else { return }
                let file = try kernel.readU64(fds + UInt64(fd) * 8)
                if file != 0 { guard try body(fd, file) else { return } }
            }
        }
    }

    /// `max_fds` must fit the arrays it indexes (fs/file.c). The first table
    /// is the one inside files_struct: fd_array[NR_OPEN_DEFAULT = BITS_PER_LONG],
    /// max_fds 64. A grown one comes from alloc_fdtable(): max_fds a multiple of
    /// BITS_PER_LONG, and one allocation holding open_fds, then close_on_exec
    /// max_fds/8 bytes later. A table that fails both is damaged memory; its
    /// descriptors would be garbage.
    func checkAllocation(files: UInt64, table: UInt64, max: Int, fds: UInt64, openFds: UInt64) throws {
        if fds == files + embeddedFdArray.offset {
            guard max == 64 else {
                throw MemoryError.implausible("fdtable 0x\(String(table, radix: 16)) claims max_fds = \(max) but uses the 64-slot fd_array inside its files_struct")
            }
            return
        }
        let cloexec = try kernel.readPointer(table, closeOnExec)
        guard max % 64 == 0, cloexec == openFds &+ UInt64(max / 8) else {
            throw MemoryError.implausible("fdtable 0x\(String(table, radix: 16)) claims max_fds = \(max), which does not match its bitmaps' allocation (open_fds 0x\(String(openFds, radix: 16)), close_on_exec 0x\(String(cloexec, radix: 16)))")
        }
    }

    /// All installed descriptors of `task`.
    public func openFiles(task: UInt64) throws -> [(fd: Int, file: UInt64)] {
        var out: [(Int, UInt64)] = []
        try forEachOpenFile(task: task) { out.append(($0, $1)); return true }
        return out
    }
}
