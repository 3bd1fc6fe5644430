import KdsqlMemory
import KdsqlDebugInfo

/// The VMAs of an address space and what /proc/PID/maps shows for each
/// (fs/proc/task_mmu.c show_map_vma), like crash's `vm`.
///
/// Where the VMAs live depends on the kernel (detected by field presence):
/// - 6.1+: `mm_struct.mm_mt`, a maple tree keyed by address
///   (commit d4af56c5c7c6 "mm: start tracking VMAs with maple tree"; the
///   `mmap` list went away in 763ecb035029, also 6.1);
/// - older: the `mm_struct.mmap` list linked through `vm_area_struct.vm_next`.
///
/// Each column has its own reader so a query reads only what it selects.
public final class MemoryMaps {
    public let kernel: Kernel
    public let paths: VFSPath
    let tree: MapleTree?
    // struct mm_struct
    /// `mm_mt.ma_root` (6.1+) or `mmap` (older).
    let mmMt: FieldRef?, mmMmap: FieldRef?
    let mmStartBrk: FieldRef, mmBrk: FieldRef, mmStartStack: FieldRef
    // struct vm_area_struct
    let vmStart: FieldRef, vmEnd: FieldRef, vmFlags: FieldRef, vmPgoff: FieldRef
    let vmFile: FieldRef, vmOps: FieldRef, vmPrivate: FieldRef, vmMm: FieldRef
    let vmNext: FieldRef?, anonName: FieldRef?, anonNameText: FieldRef?
    /// The mapped files' struct file and inode.
    let files: FileDecoder
    /// `vm_special_mapping.name`, and the vm_ops of special mappings
    /// (mm/mmap.c special_mapping_vmops / legacy_special_mapping_vmops).
    let specialName: FieldRef?
    let specialOps: Set<UInt64>

    // include/linux/mm.h VM_* flags (ABI-stable bit values, not in BTF).
    public static let vmRead: UInt64 = 0x1, vmWrite: UInt64 = 0x2, vmExec: UInt64 = 0x4, vmMayShare: UInt64 = 0x80

    public init(kernel: Kernel, paths: VFSPath? = nil) throws {
        self.kernel = kernel
        self.paths = try paths ?? VFSPath(kernel: kernel)
        let mm = "struct mm_struct", vma = "struct vm_area_struct"
        mmMt = try? kernel.field(mm, "mm_mt.ma_root")
        mmMmap = mmMt == nil ? try kernel.field(mm, "mmap") : nil
        tree = mmMt == nil ? nil : try MapleTree(kernel: kernel)
        mmStartBrk = try kernel.field(mm, "start_brk")
        mmBrk = try kernel.field(mm, "brk")
        mmStartStack = try kernel.field(mm, "start_stack")
        vmStart = try kernel.field(vma, "vm_start")
        vmEnd = try kernel.field(vma, "vm_end")
        vmFlags = try kernel.field(vma, "vm_flags")
        vmPgoff = try kernel.field(vma, "vm_pgoff")
        vmFile = try kernel.field(vma, "vm_file")
        vmOps = try kernel.field(vma, "vm_ops")
        vmPrivate = try kernel.field(vma, "vm_private_data")
        vmMm = try kernel.field(vma, "vm_mm")
        vmNext = mmMt == nil ? try kernel.field(vma, "vm_next") : nil
        // CONFIG_ANON_VMA_NAME (5.17+, commit 9a10064f5625): prctl-named anonymous memory.
        anonName = try? kernel.field(vma, "anon_name")
        anonNameText = try? kernel.field("struct anon_vma_name", "name")
        files = try FileDecoder(kernel: kernel, paths: self.paths)
        specialName = try? kernel.field("struct vm_special_mapping", "name")
        specialOps = Set(["special_mapping_vmops", "legacy_special_mapping_vmops"].compactMap { kernel.symbols.address(of: $0) })
    }

    // MARK: Walking

    /// Addresses of the VMAs of `mm`, in address order; `body` returns false to stop.
    public func forEachVMA(mm: UInt64, _ body: (UInt64) throws -> Bool) throws {
        guard mm != 0 else { return }
        if let tree, let mmMt {
            let root = try kernel.readPointer(mm, mmMt)
            try tree.forEach(root: root, what: "VMA maple tree of mm 0x\(String(mm, radix: 16))") { range in
                // Leaf entries are VMA pointers; skip XArray-internal values (never stored by mm).
                guard range.entry & 3 == 0 else { return true }
                return try body(range.entry)
            }
            return
        }
        guard let mmMmap, let vmNext else { return }
        var vma = try kernel.readPointer(mm, mmMmap)
        var seen = Set<UInt64>()
        while vma != 0 {
            guard seen.insert(vma).inserted, seen.count <= 1 << 22 else {
                throw MemoryError.cycle(what: "mmap list of mm 0x\(String(mm, radix: 16))", at: vma)
            }
            guard try body(vma) else { return }
            vma = try kernel.readPointer(vma, vmNext)
        }
    }

    /// All VMAs of `mm`.
    public func vmas(mm: UInt64) throws -> [UInt64] {
        var out: [UInt64] = []
        try forEachVMA(mm: mm) { out.append($0); return true }
        return out
    }

    // MARK: Columns

    public func start(_ v: UInt64) throws -> UInt64 { try kernel.readUnsigned(v, vmStart) }
    public func end(_ v: UInt64) throws -> UInt64 { try kernel.readUnsigned(v, vmEnd) }
    public func flags(_ v: UInt64) throws -> UInt64 { try kernel.readUnsigned(v, vmFlags) }
    public func pgoffPages(_ v: UInt64) throws -> UInt64 { try kernel.readUnsigned(v, vmPgoff) }
    public func file(_ v: UInt64) throws -> UInt64 { try kernel.readPointer(v, vmFile) }

    /// `r-xp` as /proc/PID/maps prints it: VM_READ/WRITE/EXEC, then `s`
    /// for VM_MAYSHARE, else `p`.
    public static func perms(flags: UInt64) -> String {
        (flags & vmRead != 0 ? "r" : "-") + (flags & vmWrite != 0 ? "w" : "-")
            + (flags & vmExec != 0 ? "x" : "-") + (flags & vmMayShare != 0 ? "s" : "p")
    }

    /// The offset column: `vm_pgoff << PAGE_SHIFT` for file mappings, 0 otherwise (show_map_vma).
    public func offset(_ v: UInt64) throws -> UInt64 {
        try file(v) == 0 ? 0 : try pgoffPages(v) << 12
    }

    /// The mapped file's inode, or 0 for anonymous memory.
    public func inode(_ v: UInt64) throws -> UInt64 {
        let f = try file(v)
        return f == 0 ? 0 : try files.inode(file: f)
    }

    /// `i_ino` of the mapped file (0 for anonymous memory).
    public func inodeNumber(_ v: UInt64) throws -> UInt64 {
        let f = try file(v)
        return f == 0 ? 0 : try files.inodeNumber(file: f) ?? 0
    }

    /// The mapped file's `i_sb->s_dev` (kernel dev_t: major << 20 | minor), 0 for anonymous memory.
    public func device(_ v: UInt64) throws -> UInt32 {
        let f = try file(v)
        return f == 0 ? 0 : try files.device(file: f) ?? 0
    }

    /// `MM:mm` in hex as /proc/PID/maps prints a dev_t (MAJOR = dev >> 20, MINOR = dev & 0xfffff).
    public static func deviceText(_ dev: UInt32) -> String {
        func hex2(_ v: UInt32) -> String { let s = String(v, radix: 16); return s.count < 2 ? "0" + s : s }
        return hex2(dev >> 20) + ":" + hex2(dev & 0xfffff)
    }

    /// The last column of /proc/PID/maps: the file's path, or `[heap]`,
    /// `[stack]`, a special mapping's name (`[vdso]`, `[vvar]`),
    /// `[anon:NAME]`, or "" (show_map_vma).
    public func name(_ v: UInt64, mm: UInt64, root: PathRef? = nil) throws -> String {
        let f = try file(v)
        if f != 0 { return try files.path(file: f, root: root) }
        // vma->vm_ops->name(): special mappings return vm_special_mapping->name.
        let ops = try kernel.readPointer(v, vmOps)
        if ops != 0, specialOps.contains(ops), let specialName {
            let sm = try kernel.readPointer(v, vmPrivate)
            if sm != 0 {
                let p = try kernel.readPointer(sm, specialName)
                if p != 0 { return try kernel.readCString(p, maxLength: 256) }
            }
        }
        // arch_vma_name() is NULL on x86 for VMAs in the tree ([vsyscall] is the gate VMA, outside it).
        let owner = mm != 0 ? mm : try kernel.readPointer(v, vmMm)
        if owner == 0 { return "[vdso]" }
        let start = try start(v), end = try end(v)
        let brk = try kernel.readUnsigned(owner, mmBrk), startBrk = try kernel.readUnsigned(owner, mmStartBrk)
        if start <= brk && end >= startBrk {
            return "[heap]"
        }
        // is_stack() (6.1): the VMA that contains mm->start_stack.
        let stack = try kernel.readUnsigned(owner, mmStartStack)
        if start <= stack && end >= stack { return "[stack]" }
        if let anonName, let anonNameText {
            let an = try kernel.readPointer(v, anonName)
            if an != 0 {
                return "[anon:" + (try kernel.readCString(an + anonNameText.offset, maxLength: 256)) + "]"
            }
        }
        return ""
    }
}
