import KdsqlMemory

/// The loaded modules as the unwinder needs them: where each module's text
/// is, its own ORC tables, and its own symbol table (`struct mod_kallsyms`).
///
/// A minimal walker of the `modules` list (kernel/module/main.c) written for
/// the backtrace work; the full `Modules` walker lives on another branch.
/// Symbols are decoded lazily, per module, on the first lookup that lands in it.
public final class ModuleSymbols {
    public struct TextRange: Sendable, Equatable {
        public var base: UInt64
        /// Bytes of executable text (`module_layout.text_size`).
        public var textSize: UInt64
        public func contains(_ a: UInt64) -> Bool { a >= base && a - base < textSize }
    }

    public struct Module: Sendable {
        public var address: UInt64
        public var name: String
        /// Core text, then init text (present while the module is still loading).
        public var text: [TextRange]
        public var orcIP: UInt64
        public var orcTable: UInt64
        public var orcCount: Int
        public var kallsyms: UInt64
    }

    /// One ELF symbol of a module, resolved to an address.
    struct ModuleSymbol { var value: UInt64; var name: String }

    public let kernel: Kernel
    public private(set) var modules: [Module] = []
    private var symbolCache: [Int: [ModuleSymbol]] = [:]

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let t = "struct module"
        let list = try kernel.field(t, "list")
        let name = try kernel.field(t, "name")
        // ORC tables a module registered in unwind_module_init (arch/x86/kernel/unwind_orc.c).
        let orcIP = try? kernel.field(t, "arch.orc_unwind_ip")
        let orc = try? kernel.field(t, "arch.orc_unwind")
        let numOrcs = try? kernel.field(t, "arch.num_orcs")
        let kallsyms = try? kernel.field(t, "kallsyms")
        // Text ranges: struct module_layout core_layout/init_layout up to 6.3,
        // struct module_memory mem[MOD_MEM_NUM_TYPES] from 6.4 (commit ac3b43283923).
        var layouts: [(base: FieldRef, size: FieldRef)] = []
        if kernel.hasField(t, "core_layout") {
            for l in ["core_layout", "init_layout"] {
                layouts.append((try kernel.field(t, "\(l).base"), try kernel.field(t, "\(l).text_size")))
            }
        } else {
            // MOD_TEXT = 0, MOD_INIT_TEXT = 4 (include/linux/module.h enum mod_mem_type).
            for i in [0, 4] {
                layouts.append((try kernel.field(t, "mem[\(i)].base"), try kernel.field(t, "mem[\(i)].size")))
            }
        }
        let head = try kernel.address(of: "modules")
        try kernel.forEachListNode(head: head, what: "modules list", limit: 65536) { node in
            let m = node &- list.offset
            var ranges: [TextRange] = []
            for l in layouts {
                let base = try kernel.readPointer(m, l.base)
                let size = try kernel.readUnsigned(m, l.size)
                if base != 0 && size != 0 && size < 1 << 30 { ranges.append(TextRange(base: base, textSize: size)) }
            }
            modules.append(Module(
                address: m,
                name: (try? kernel.readCharArray(m, name)) ?? "?",
                text: ranges,
                orcIP: orcIP.flatMap { try? kernel.readPointer(m, $0) } ?? 0,
                orcTable: orc.flatMap { try? kernel.readPointer(m, $0) } ?? 0,
                orcCount: numOrcs.flatMap { try? Int(kernel.readUnsigned(m, $0)) } ?? 0,
                kallsyms: kallsyms.flatMap { try? kernel.readPointer(m, $0) } ?? 0))
            return true
        }
    }

    /// The module whose text contains `address`.
    public func module(containing address: UInt64) -> (index: Int, module: Module, range: TextRange)? {
        for (i, m) in modules.enumerated() {
            for r in m.text where r.contains(address) { return (i, m, r) }
        }
        return nil
    }

    /// `name`, offset and size of the module symbol containing `address`, the
    /// way find_kallsyms_symbol() (kernel/module/kallsyms.c) answers %pB: the
    /// closest preceding named symbol, size = distance to the next symbol or
    /// to the end of the text range.
    public func symbolize(_ address: UInt64) -> (name: String, offset: UInt64, size: UInt64, module: String)? {
        guard let (index, module, range) = module(containing: address) else { return nil }
        let symbols = self.symbols(ofModule: index)
        var best: ModuleSymbol?
        var next = range.base &+ range.textSize
        for s in symbols {
            if s.value <= address, s.value > (best?.value ?? 0) { best = s }
            if s.value > address, s.value < next { next = s.value }
        }
        guard let best else { return nil }
        return (best.name, address - best.value, next - best.value, module.name)
    }

    /// Elf64_Sym (include/uapi/linux/elf.h): st_name u32, st_info u8,
    /// st_other u8, st_shndx u16, st_value u64, st_size u64 — 24 bytes. This
    /// is the ELF ABI, not a kernel struct, so its layout is fixed.
    private func symbols(ofModule index: Int) -> [ModuleSymbol] {
        if let cached = symbolCache[index] { return cached }
        var out: [ModuleSymbol] = []
        defer { symbolCache[index] = out }
        let m = modules[index]
        guard m.kallsyms != 0,
              let symtabF = try? kernel.field("struct mod_kallsyms", "symtab"),
              let numF = try? kernel.field("struct mod_kallsyms", "num_symtab"),
              let strtabF = try? kernel.field("struct mod_kallsyms", "strtab"),
              let symtab = try? kernel.readPointer(m.kallsyms, symtabF),
              let num = try? kernel.readUnsigned(m.kallsyms, numF),
              let strtab = try? kernel.readPointer(m.kallsyms, strtabF),
              num > 0, num < 1 << 20,
              let raw = try? kernel.read(symtab, count: Int(num) * 24) else { return out }
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[o + $1]) << UInt64(8 * $1) } }
        for i in 1..<Int(num) {  // ELF symbol 0 is the null symbol
            let o = i * 24
            let nameOff = UInt64(raw[o]) | UInt64(raw[o + 1]) << 8 | UInt64(raw[o + 2]) << 16 | UInt64(raw[o + 3]) << 24
            let shndx = UInt16(raw[o + 6]) | UInt16(raw[o + 7]) << 8
            let value = u64(o + 8)
            guard shndx != 0, m.text.contains(where: { $0.contains(value) }) else { continue } // SHN_UNDEF, non-text
            guard let name = try? kernel.readCString(strtab &+ nameOff, maxLength: 512), !name.isEmpty,
                  !Self.isMappingSymbol(name) else { continue }
            out.append(ModuleSymbol(value: value, name: name))
        }
        return out
    }

    /// ARM-style mapping symbols (`$x`, `$d`...) that is_mapping_symbol() skips.
    static func isMappingSymbol(_ name: String) -> Bool {
        let c = Array(name.utf8)
        return c.count >= 2 && c[0] == UInt8(ascii: "$") && "axtd".utf8.contains(c[1]) && (c.count == 2 || c[2] == UInt8(ascii: "."))
    }
}
