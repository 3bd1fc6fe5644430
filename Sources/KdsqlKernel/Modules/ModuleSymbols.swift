import KdsqlMemory
import KdsqlDebugInfo

/// One symbol from a module's in-memory symbol table (its `mod_kallsyms`).
public struct ModuleSymbol: Sendable, Equatable {
    public var module: String
    public var name: String
    public var address: UInt64
    /// nm-style type letter from the module's typetab (`t`, `T`, `d`, `b`, ...).
    public var type: Character
    /// The ELF symbol's st_size (0 when the object file did not say).
    public var size: UInt64
    /// False for SHN_UNDEF entries (references to other modules/the kernel).
    public var isDefined: Bool
}

/// Symbols of loaded modules, read from each module's kallsyms in memory
/// (kernel/module/kallsyms.c): `mod->kallsyms` → `struct mod_kallsyms
/// {Elf_Sym *symtab; unsigned int num_symtab; char *strtab; char *typetab;}`.
/// While a module's init runs (state COMING) that is the full symtab in the
/// init region; afterwards the core-only copy (`core_kallsyms`).
public final class ModuleSymbols {
    public let kernel: Kernel
    public let modules: [ModuleInfo]
    let symtab: FieldRef, numSymtab: FieldRef, strtab: FieldRef, typetab: FieldRef?
    let sym: ElfSymLayout
    private var cache: [UInt64: [ModuleSymbol]] = [:]

    /// KSYM_NAME_LEN (include/linux/kallsyms.h): 512 since 6.1, 128 before.
    static let maxName = 512
    /// Bounds against corrupt counts: no real module has a million symbols.
    static let maxSymbols = 1 << 20
    /// ELF's SHN_UNDEF (include/uapi/linux/elf.h).
    static let shnUndef: UInt16 = 0

    public convenience init(kernel: Kernel) throws {
        try self.init(kernel: kernel, modules: try Modules(kernel: kernel).all())
    }

    public init(kernel: Kernel, modules: [ModuleInfo]) throws {
        self.kernel = kernel
        self.modules = modules
        let k = "struct mod_kallsyms"
        symtab = try kernel.field(k, "symtab")
        numSymtab = try kernel.field(k, "num_symtab")
        strtab = try kernel.field(k, "strtab")
        // typetab appeared in 5.2 (commit 1c7651f43777 "kallsyms: store type
        // information in its own array"); before, st_info held the type letter.
        typetab = try? kernel.field(k, "typetab")
        sym = ElfSymLayout(kernel: kernel)
    }

    /// Every symbol table entry of `module`, in symtab order (entry 0, the ELF
    /// null symbol, left out).
    public func symbols(of module: ModuleInfo) throws -> [ModuleSymbol] {
        if let cached = cache[module.address] { return cached }
        let result = try read(module)
        cache[module.address] = result
        return result
    }

    /// All modules' symbols, module by module in list order.
    public func all() throws -> [ModuleSymbol] {
        try modules.filter { $0.state != "UNFORMED" }.flatMap { try symbols(of: $0) }
    }

    /// The module whose memory contains `address` (__module_address()); UNFORMED modules are skipped.
    public func module(containing address: UInt64) -> ModuleInfo? {
        modules.first { $0.state != "UNFORMED" && $0.contains(address) }
    }

    /// `name+offset/size [module]` for an address inside a module, computed as
    /// the kernel's find_kallsyms_symbol() (kernel/module/kallsyms.c) does, so
    /// it matches what an Oops prints: the closest preceding named, defined,
    /// non-mapping symbol; size = distance to the next such symbol or to the
    /// end of the text of the region (init or core) that holds the address.
    public func symbolize(_ address: UInt64) -> (module: String, name: String, offset: UInt64, size: UInt64)? {
        guard let mod = module(containing: address), let syms = try? symbols(of: mod) else { return nil }
        let inInit = mod.regions.contains { $0.isInit && $0.contains(address) }
        // v6.1: init_layout/core_layout base + text_size; 6.4+: mem[MOD_INIT_TEXT/MOD_TEXT] base + size.
        let text = mod.regions.first { $0.isInit == inInit && $0.textSize > 0 }
        var nextValue = text.map { $0.base &+ $0.textSize } ?? UInt64.max
        var best: ModuleSymbol?
        for s in syms where s.isDefined && !s.name.isEmpty && !Self.isMappingSymbol(s.name) {
            if s.address <= address, s.address > (best?.address ?? 0) { best = s }
            if s.address > address, s.address < nextValue { nextValue = s.address }
        }
        guard let best else { return nil }
        return (mod.name, best.name, address - best.address, nextValue &- best.address)
    }

    /// `name+0xoff/0xsize [module]`, the kernel's %pB for module text.
    public func describe(_ address: UInt64) -> String? {
        guard let s = symbolize(address) else { return nil }
        return "\(s.name)+0x\(String(s.offset, radix: 16))/0x\(String(s.size, radix: 16)) [\(s.module)]"
    }

    /// Assembler-local and ARM mapping symbols (`.L...`, `$a`, `$x.foo`) carry
    /// no information; the kernel ignores them (is_mapping_symbol()).
    static func isMappingSymbol(_ name: String) -> Bool {
        let u = Array(name.utf8.prefix(3))
        if u.count >= 2, u[0] == UInt8(ascii: "."), u[1] == UInt8(ascii: "L") { return true }
        guard u.count >= 2, u[0] == UInt8(ascii: "$"), "axtd".utf8.contains(u[1]) else { return false }
        return u.count == 2 || u[2] == UInt8(ascii: ".")
    }

    func read(_ module: ModuleInfo) throws -> [ModuleSymbol] {
        let ks = module.kallsyms
        guard ks != 0 else { return [] }
        let count = Int(try kernel.readUnsigned(ks, numSymtab))
        guard count <= Self.maxSymbols else {
            throw MemoryError.typeMismatch("module \(module.name): mod_kallsyms at 0x\(String(ks, radix: 16)) claims \(count) symbols; the structure looks corrupt")
        }
        guard count > 1 else { return [] }
        let tab = try kernel.readPointer(ks, symtab)
        let strings = try kernel.readPointer(ks, strtab)
        guard tab != 0, strings != 0 else { throw MemoryError.nullPointer(what: "mod_kallsyms of module \(module.name)") }
        let raw = try kernel.read(tab, count: count * sym.size)
        var types: [UInt8] = []
        if let typetab {
            let tt = try kernel.readPointer(ks, typetab)
            if tt != 0 { types = try kernel.read(tt, count: count) }
        }
        // One read of the string table: it ends with the last name.
        let entries = (1..<count).map { sym.decode(raw, at: $0 * sym.size) }
        let strtabSize = Int(min((entries.map(\.nameOffset).max() ?? 0) + UInt32(Self.maxName), 16 << 20))
        let names = try readPrefix(strings, count: strtabSize)
        var out: [ModuleSymbol] = []
        out.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() {
            let index = i + 1
            let typeByte = types.isEmpty ? e.info : types[index]
            out.append(ModuleSymbol(
                module: module.name, name: Self.cString(names, at: Int(e.nameOffset)), address: e.value,
                type: typeByte > 0x20 && typeByte < 0x7f ? Character(Unicode.Scalar(typeByte)) : "?",
                size: e.size, isDefined: e.sectionIndex != Self.shnUndef))
        }
        return out
    }

    /// Reads up to `count` bytes, stopping at the first unmapped page (a
    /// module's strtab can end near the end of its region).
    func readPrefix(_ address: UInt64, count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var va = address
        while out.count < count {
            let n = min(kernel.translator.bytesToPageEnd(va), count - out.count)
            guard let chunk = try? kernel.read(va, count: n) else {
                if out.isEmpty { throw MemoryError.unmapped(virtualAddress: va, level: "page for the module string table") }
                break
            }
            out.append(contentsOf: chunk)
            va &+= UInt64(n)
        }
        return out
    }

    static func cString(_ bytes: [UInt8], at offset: Int) -> String {
        guard offset >= 0, offset < bytes.count else { return "" }
        let end = bytes[offset...].firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
}

/// Where the members of an `Elf64_Sym` are. BTF names it `struct elf64_sym`;
/// if it is absent the ELF specification's layout (gABI: st_name u32,
/// st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64) applies:
/// it is a file format, not a kernel-internal layout.
struct ElfSymLayout {
    var size = 24
    var name: UInt64 = 0, info: UInt64 = 4, shndx: UInt64 = 6, value: UInt64 = 8, symSize: UInt64 = 16

    init(kernel: Kernel) {
        let t = "struct elf64_sym"
        guard let s = try? kernel.size(of: t), let n = try? kernel.field(t, "st_name"), let i = try? kernel.field(t, "st_info"),
              let x = try? kernel.field(t, "st_shndx"), let v = try? kernel.field(t, "st_value"),
              let z = try? kernel.field(t, "st_size") else { return }
        size = s
        name = n.offset; info = i.offset; shndx = x.offset; value = v.offset; symSize = z.offset
    }

    struct Entry { var nameOffset: UInt32; var info: UInt8; var sectionIndex: UInt16; var value: UInt64; var size: UInt64 }

    func decode(_ raw: [UInt8], at base: Int) -> Entry {
        func le(_ off: UInt64, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(raw[base + Int(off) + k]) << UInt64(8 * k) }
            return v
        }
        return Entry(nameOffset: UInt32(le(name, 4)), info: UInt8(le(info, 1)), sectionIndex: UInt16(le(shndx, 2)),
                     value: le(value, 8), size: le(symSize, 8))
    }
}
