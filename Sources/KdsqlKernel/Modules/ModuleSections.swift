import KdsqlMemory
import KdsqlDebugInfo

/// Where each section of a loaded module was put, and the module's GNU build
/// ID: what /sys/module/NAME/sections/ and /sys/module/NAME/notes/ show.
///
/// The kernel keeps the section list in `mod->sect_attrs` (kmalloc'ed by
/// add_sect_attrs() when the module is loaded, kernel/module/sysfs.c; in
/// kernel/module.c before 5.19): one sysfs binary attribute per allocated,
/// non-empty section (sect_empty()), named after the section. Its layout
/// changed twice:
/// - 5.8 to 6.13: `struct module_sect_attrs { struct attribute_group grp;
///   unsigned int nsections; struct module_sect_attr attrs[]; }` with
///   `struct module_sect_attr { struct bin_attribute battr; unsigned long address; }`;
/// - 6.14 on (the 7.3 fixture's BTF has no `struct module_sect_attr`):
///   `attrs[]` are plain `struct bin_attribute`s whose `private` holds the
///   address, and `nsections` is gone.
/// Both keep `grp.bin_attrs`, a NULL-terminated array of pointers to the
/// attributes, which is what is walked here; the name is `attr.name`.
///
/// The build ID is the descriptor of the ELF note in the module's
/// `.note.gnu.build-id` section, which is allocated (SHF_ALLOC), so it was
/// copied into module memory with the code.
public struct ModuleSections {
    public let kernel: Kernel
    let sectAttrs: FieldRef
    let binAttrs: FieldRef
    let attrName: FieldRef
    /// `module_sect_attr.address` relative to its `battr` (≤ 6.13), else nil:
    /// the address is `bin_attribute.private`.
    let addressInContainer: (battr: UInt64, address: UInt64)?
    let privateField: FieldRef?

    /// Sections beyond this are damage: modules have a few dozen.
    static let maxSections = 4096

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        sectAttrs = try kernel.field("struct module", "sect_attrs")
        binAttrs = try kernel.field("struct module_sect_attrs", "grp.bin_attrs")
        attrName = try kernel.field("struct bin_attribute", "attr.name")
        if let battr = try? kernel.field("struct module_sect_attr", "battr"),
           let address = try? kernel.field("struct module_sect_attr", "address") {
            addressInContainer = (battr.offset, address.offset)
            privateField = nil
        } else {
            addressInContainer = nil
            privateField = try kernel.field("struct bin_attribute", "private")
        }
    }

    /// Section name → load address; empty when the module has no sect_attrs
    /// (built without CONFIG_KALLSYMS, or its sysfs setup failed).
    public func sections(of module: UInt64) throws -> [(name: String, address: UInt64)] {
        let attrs = try kernel.readPointer(module, sectAttrs)
        guard attrs != 0 else { return [] }
        let array = try kernel.readPointer(attrs, binAttrs)
        guard array != 0 else { return [] }
        var out: [(name: String, address: UInt64)] = []
        for i in 0..<Self.maxSections {
            let battr = try kernel.readU64(array + UInt64(i * 8))
            if battr == 0 { return out }
            let namePointer = try kernel.readPointer(battr, attrName)
            guard namePointer != 0 else { continue }
            let name = try kernel.readCString(namePointer, maxLength: 256)
            let address: UInt64
            if let c = addressInContainer {
                address = try kernel.readU64(battr &- c.battr &+ c.address)
            } else {
                address = try kernel.readPointer(battr, privateField!)
            }
            out.append((name, address))
        }
        throw MemoryError.typeMismatch("module sect_attrs at 0x\(String(attrs, radix: 16)) lists more than \(Self.maxSections) sections; the structure looks corrupt")
    }

    /// The GNU build ID (lower-case hex) from the module's loaded
    /// `.note.gnu.build-id`, nil when it has none.
    public func buildID(sections: [(name: String, address: UInt64)]) throws -> String? {
        guard let note = sections.first(where: { $0.name == ".note.gnu.build-id" })?.address, note != 0 else { return nil }
        // Elf64_Nhdr {n_namesz, n_descsz, n_type}, the name padded to 4 bytes, then the descriptor.
        let header = try kernel.read(note, count: 12)
        func u32(_ at: Int) -> UInt32 { header[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        let nameSize = u32(0), descSize = u32(4), type = u32(8)
        // NT_GNU_BUILD_ID = 3 with the name "GNU"; ids are 8 to 64 bytes (sha1: 20).
        guard type == 3, nameSize == 4, descSize >= 8, descSize <= 64 else { return nil }
        let name = try kernel.read(note + 12, count: 4)
        guard name == [0x47, 0x4e, 0x55, 0] else { return nil }
        return ModuleDebugDirectory.hex(try kernel.read(note + 16, count: Int(descSize)))
    }
}
