import KdsqlMemory

/// A `struct file` and its inode as /proc shows them (include/linux/fs.h):
/// the d_path of `f_path`, flags, mode and position, and through `f_inode`
/// the type bits, inode number, size and device. Shared by open descriptors
/// (TaskFiles) and file mappings (MemoryMaps), so each field is resolved once.
public final class FileDecoder {
    public let kernel: Kernel
    public let paths: VFSPath
    let fPath: FieldRef, fInode: FieldRef, fFlags: FieldRef, fPos: FieldRef, fMode: FieldRef
    let iMode: FieldRef, iIno: FieldRef, iSize: FieldRef, iSb: FieldRef, sDev: FieldRef

    public init(kernel: Kernel, paths: VFSPath? = nil) throws {
        self.kernel = kernel
        self.paths = try paths ?? VFSPath(kernel: kernel)
        fPath = try kernel.field("struct file", "f_path")
        fInode = try kernel.field("struct file", "f_inode")
        fFlags = try kernel.field("struct file", "f_flags")
        fPos = try kernel.field("struct file", "f_pos")
        fMode = try kernel.field("struct file", "f_mode")
        iMode = try kernel.field("struct inode", "i_mode")
        iIno = try kernel.field("struct inode", "i_ino")
        iSize = try kernel.field("struct inode", "i_size")
        iSb = try kernel.field("struct inode", "i_sb")
        sDev = try kernel.field("struct super_block", "s_dev")
    }

    public func pathRef(file: UInt64) throws -> PathRef { try paths.pathRef(at: file + fPath.offset) }
    public func dentry(file: UInt64) throws -> UInt64 { try pathRef(file: file).dentry }
    public func inode(file: UInt64) throws -> UInt64 { try kernel.readPointer(file, fInode) }
    public func flags(file: UInt64) throws -> UInt64 { try kernel.readUnsigned(file, fFlags) }
    public func mode(file: UInt64) throws -> UInt64 { try kernel.readUnsigned(file, fMode) }
    public func position(file: UInt64) throws -> Int64 { try kernel.readSigned(file, fPos) }

    /// What /proc/PID/fd's link says: the d_path of `file->f_path`.
    public func path(file: UInt64, root: PathRef? = nil) throws -> String {
        try paths.path(try pathRef(file: file), root: root)
    }

    /// Inode fields; nil for a file without an inode.
    public func inodeMode(file: UInt64) throws -> UInt64? { try inodeField(file) { try kernel.readUnsigned($0, iMode) } }
    public func inodeNumber(file: UInt64) throws -> UInt64? { try inodeField(file) { try kernel.readUnsigned($0, iIno) } }
    public func size(file: UInt64) throws -> Int64? { try inodeField(file) { try kernel.readSigned($0, iSize) } }
    /// `i_sb->s_dev` (kernel dev_t: major << 20 | minor).
    public func device(file: UInt64) throws -> UInt32? {
        try inodeField(file) { i in
            let sb = try kernel.readPointer(i, iSb)
            return sb == 0 ? 0 : UInt32(truncatingIfNeeded: try kernel.readUnsigned(sb, sDev))
        }
    }

    private func inodeField<T>(_ file: UInt64, _ read: (UInt64) throws -> T) throws -> T? {
        let i = try inode(file: file)
        return i == 0 ? nil : try read(i)
    }

    /// The file type as crash's `files` prints it, from `i_mode & S_IFMT`
    /// (include/uapi/linux/stat.h). Anonymous inodes carry no type bits: `UNKN`.
    public static func typeName(mode: UInt64) -> String {
        switch mode & 0o170000 {
        case 0o140000: return "SOCK"
        case 0o120000: return "LNK"
        case 0o100000: return "REG"
        case 0o060000: return "BLK"
        case 0o040000: return "DIR"
        case 0o020000: return "CHR"
        case 0o010000: return "FIFO"
        default: return "UNKN"
        }
    }
}
