import KdsqlMemory
import KdsqlDebugInfo

/// One memory region of a loaded module: where its code and data live.
public struct ModuleRegion: Sendable, Equatable {
    /// `core`, `init`, `data` (≤ 6.3 layouts) or the mod_mem_type name
    /// (`MOD_TEXT`, `MOD_INIT_TEXT`, ... from 6.4).
    public var name: String
    public var base: UInt64
    public var size: UInt64
    /// Bytes of executable text at the start of the region (≤ 6.3 layouts'
    /// `text_size`; the whole region for MOD_TEXT/MOD_INIT_TEXT; 0 for data).
    public var textSize: UInt64
    /// Freed after the module's init returns (init layout, MOD_INIT_*).
    public var isInit: Bool

    public func contains(_ address: UInt64) -> Bool { address >= base && address &- base < size }
}

/// A loaded module as crash's `mod` and /proc/modules show it.
public struct ModuleInfo: Sendable {
    /// Address of the `struct module`.
    public var address: UInt64
    public var name: String
    /// Start of the module's core text: what /proc/modules prints as the load address.
    public var base: UInt64
    /// Total size as /proc/modules prints it (kernel/module/procfs.c m_show).
    public var size: UInt64
    /// `LIVE`, `COMING`, `GOING`, `UNFORMED` (enum module_state without its prefix).
    public var state: String
    public var stateValue: Int64
    /// module_refcount(); nil without CONFIG_MODULE_UNLOAD (no `refcnt`).
    public var refcount: Int64?
    public var taints: UInt64
    /// Taint letters of the module's taints, in taint-bit order (`OE`).
    public var taintLetters: String
    public var version: String?
    public var srcversion: String?
    /// Modules that use this one (its `source_list`), as /proc/modules' used-by column.
    /// Modules using this one; nil when the dump lacks the records.
    public var usedBy: [String]?
    public var regions: [ModuleRegion]
    /// `mod->kallsyms`: the full symtab while init runs, the core-only copy after.
    public var kallsyms: UInt64

    /// The word /proc/modules prints for the state.
    public var procState: String {
        switch state {
        case "GOING": return "Unloading"
        case "COMING": return "Loading"
        default: return "Live"
        }
    }

    /// True when `address` lies in any of the module's regions (within_module()).
    public func contains(_ address: UInt64) -> Bool { regions.contains { $0.contains(address) } }
}

/// Walks the `modules` list (kernel/module/main.c) through `struct module.list`.
///
/// The layout of a module's memory changed in 6.4 (commit ac3b43283923
/// "module: replace module_layout with module_memory"): up to 6.3 it is
/// `core_layout`/`init_layout` (+ `data_layout` with
/// CONFIG_ARCH_WANTS_MODULES_DATA_IN_VMALLOC), each `struct module_layout
/// {base, size, text_size, ...}`; from 6.4 `mem[MOD_MEM_NUM_TYPES]` of
/// `struct module_memory {base, size}`. The walker picks by field presence.
public final class Modules {
    public let kernel: Kernel
    let list: FieldRef, name: FieldRef, state: FieldRef, taints: FieldRef
    let refcnt: FieldRef?, version: FieldRef?, srcversion: FieldRef?
    let sourceList: FieldRef?, useSourceList: FieldRef?, useSource: FieldRef?
    let kallsyms: FieldRef
    let layout: Layout
    let stateNames: [Int64: String]
    let taintFlags: TaintFlags

    enum Layout {
        /// ≤ 6.3: (region name, field) pairs; each field is a struct module_layout.
        case layouts([(name: String, field: FieldRef, isInit: Bool)], base: FieldRef, size: FieldRef, textSize: FieldRef)
        /// ≥ 6.4: mem[] with the mod_mem_type names.
        case memory(mem: FieldRef, stride: UInt64, types: [(name: String, value: Int64)], base: FieldRef, size: FieldRef)
    }

    /// module_refcount() subtracts MODULE_REF_BASE (kernel/module/main.c: `#define MODULE_REF_BASE 1`,
    /// the reference the module holds on itself until it is unloaded).
    static let moduleRefBase: Int64 = 1

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let m = "struct module"
        list = try kernel.field(m, "list")
        name = try kernel.field(m, "name")
        state = try kernel.field(m, "state")
        taints = try kernel.field(m, "taints")
        refcnt = try? kernel.field(m, "refcnt")
        version = try? kernel.field(m, "version")
        srcversion = try? kernel.field(m, "srcversion")
        sourceList = try? kernel.field(m, "source_list")
        useSourceList = try? kernel.field("struct module_use", "source_list")
        useSource = try? kernel.field("struct module_use", "source")
        kallsyms = try kernel.field(m, "kallsyms")

        if kernel.hasField(m, "core_layout") {
            let l = "struct module_layout"
            var regions: [(String, FieldRef, Bool)] = [("core", try kernel.field(m, "core_layout"), false),
                                                        ("init", try kernel.field(m, "init_layout"), true)]
            if let data = try? kernel.field(m, "data_layout") { regions.append(("data", data, false)) }
            layout = .layouts(regions, base: try kernel.field(l, "base"), size: try kernel.field(l, "size"),
                              textSize: try kernel.field(l, "text_size"))
        } else {
            let mem = try kernel.field(m, "mem")
            let types = try kernel.types().enumerators(of: try kernel.type("enum mod_mem_type"))
                .filter { $0.name.hasPrefix("MOD_") && $0.name != "MOD_MEM_NUM_TYPES" && $0.name != "MOD_INVALID" }
            layout = .memory(mem: mem, stride: UInt64(try kernel.size(of: "struct module_memory")), types: types,
                             base: try kernel.field("struct module_memory", "base"),
                             size: try kernel.field("struct module_memory", "size"))
        }
        var names: [Int64: String] = [:]
        for e in try kernel.types().enumerators(of: try kernel.type("enum module_state")) {
            names[e.value] = e.name.hasPrefix("MODULE_STATE_") ? String(e.name.dropFirst(13)) : e.name
        }
        stateNames = names
        taintFlags = TaintFlags(kernel: kernel)
    }

    /// Addresses of every `struct module` on the list, in list order (newest first).
    public func addresses() throws -> [UInt64] {
        let head = try kernel.address(of: "modules")
        return try kernel.resilientListNodes(head: head, what: "modules list", object: "struct module", offset: list.offset,
                                             limit: 100_000).map { $0 - list.offset }
    }

    /// Every module, in list order (the order of /proc/modules); a module
    /// whose struct cannot be read is skipped with a warning.
    public func all() throws -> [ModuleInfo] {
        try addresses().compactMap { mod in
            do {
                return try info(mod)
            } catch {
                try kernel.warnings.skip("struct module", at: mod, because: error)
                return nil
            }
        }
    }

    /// The module with this name, if loaded.
    public func named(_ wanted: String) throws -> ModuleInfo? {
        for a in try addresses() where try kernel.readCharArray(a, name) == wanted { return try info(a) }
        return nil
    }

    /// Reads one `struct module`.
    public func info(_ mod: UInt64) throws -> ModuleInfo {
        let stateValue = try kernel.readSigned(mod, state)
        let regions = try self.regions(mod)
        let taintBits = try kernel.readUnsigned(mod, taints)
        return ModuleInfo(
            address: mod,
            name: try kernel.readCharArray(mod, name),
            base: regions.first { !$0.isInit && $0.textSize > 0 }?.base ?? regions.first?.base ?? 0,
            size: procSize(regions),
            state: stateNames[stateValue] ?? "UNKNOWN(\(stateValue))",
            stateValue: stateValue,
            refcount: try refcnt.map { try kernel.readSigned(mod, $0) - Self.moduleRefBase },
            taints: taintBits,
            taintLetters: taintFlags.letters(taintBits),
            version: try optionalString(mod, version),
            srcversion: try optionalString(mod, srcversion),
            usedBy: try usedByOrNil(mod),
            regions: regions,
            kallsyms: try kernel.readPointer(mod, kallsyms))
    }

    /// The module's memory regions, empty ones left out.
    public func regions(_ mod: UInt64) throws -> [ModuleRegion] {
        var out: [ModuleRegion] = []
        switch layout {
        case .layouts(let layouts, let base, let size, let textSize):
            for l in layouts {
                let at = mod + l.field.offset
                let b = try kernel.readPointer(at, base), s = try kernel.readUnsigned(at, size)
                guard b != 0, s != 0 else { continue }
                out.append(ModuleRegion(name: l.name, base: b, size: s, textSize: try kernel.readUnsigned(at, textSize), isInit: l.isInit))
            }
        case .memory(let mem, let stride, let types, let base, let size):
            for t in types where t.value >= 0 && t.value < 64 {
                let at = mod + mem.offset + UInt64(t.value) * stride
                let b = try kernel.readPointer(at, base), s = try kernel.readUnsigned(at, size)
                guard b != 0, s != 0 else { continue }
                let isText = t.name == "MOD_TEXT" || t.name == "MOD_INIT_TEXT"
                out.append(ModuleRegion(name: t.name, base: b, size: s, textSize: isText ? s : 0, isInit: t.name.hasPrefix("MOD_INIT_")))
            }
        }
        return out
    }

    /// /proc/modules' size: v6.1 m_show prints init_layout.size + core_layout.size
    /// (+ data_layout.size where that layout exists); from 6.4 the sum of every
    /// mem[] region (module_total_size()). Both are the sum of the regions.
    func procSize(_ regions: [ModuleRegion]) -> UInt64 {
        regions.reduce(0) { $0 + $1.size }
    }

    /// Names of the modules that depend on this one: `mod->source_list` of
    /// `struct module_use` linked by `source_list`, each naming `use->source`
    /// (kernel/module/procfs.c print_unload_info).
    /// The users, or nil (NULL) when their `module_use` records (slab
    /// objects) are not in the dump.
    func usedByOrNil(_ mod: UInt64) throws -> [String]? {
        do {
            return try usedBy(mod)
        } catch {
            try kernel.warnings.skip("module_use list", at: mod, because: error)
            return nil
        }
    }

    func usedBy(_ mod: UInt64) throws -> [String] {
        guard let sourceList, let useSourceList, let useSource else { return [] }
        return try kernel.listNodes(head: mod + sourceList.offset, what: "module use list", limit: 10_000).map { node in
            let user = try kernel.readPointer(node - useSourceList.offset, useSource)
            guard user != 0 else { throw MemoryError.nullPointer(what: "module_use.source in the used-by list of the module at 0x\(String(mod, radix: 16))") }
            return try kernel.readCharArray(user, name)
        }
    }

    func optionalString(_ mod: UInt64, _ f: FieldRef?) throws -> String? {
        guard let f else { return nil }
        let p = try kernel.readPointer(mod, f)
        guard p != 0 else { return nil }
        return try kernel.readCString(p, maxLength: 256)
    }
}

/// Taint bit → letter, read from the kernel's own `taint_flags[]` table
/// (kernel/panic.c: `const struct taint_flag taint_flags[TAINT_FLAGS_COUNT]`
/// of `{char c_true, c_false; bool module; ...}`), so kernels that add taint
/// bits are decoded by their own table. A module's taints are only the flags
/// marked `module` (module_flags_taint() in kernel/module/main.c).
struct TaintFlags {
    var letters: [Int: Character] = [:]

    init(kernel: Kernel) {
        guard let table = kernel.symbols.address(of: "taint_flags"),
              let size = try? kernel.size(of: "struct taint_flag"), size > 0,
              let cTrue = try? kernel.field("struct taint_flag", "c_true") else {
            letters = TaintFlags.v61
            return
        }
        // TAINT_FLAGS_COUNT is not in the dump; the symbol's extent is (19 in v6.1).
        var count = 19
        if let s = kernel.symbols.symbolize(table), s.offset == 0, let extent = s.size, extent > 0 {
            count = min(Int(extent) / size, 64)
        }
        for i in 0..<count {
            guard let c = try? kernel.readU8(table + UInt64(i * size) + cTrue.offset), c > 0x20, c < 0x7f else { continue }
            letters[i] = Character(Unicode.Scalar(c))
        }
        if letters.isEmpty { letters = TaintFlags.v61 }
    }

    /// The v6.1 table (kernel/panic.c), used when the dump's cannot be read.
    static let v61: [Int: Character] = [0: "P", 1: "F", 2: "S", 3: "R", 4: "M", 5: "B", 6: "U", 7: "D", 8: "A", 9: "W",
                                        10: "C", 11: "I", 12: "O", 13: "E", 14: "L", 15: "K", 16: "X", 17: "T", 18: "N"]

    func letters(_ bits: UInt64) -> String {
        var s = ""
        for i in 0..<64 where bits & (1 << UInt64(i)) != 0 { s.append(letters[i] ?? "?") }
        return s
    }
}
