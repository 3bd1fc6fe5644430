@preconcurrency import Glibc
import CDw
import Synchronization

/// The DWARF of one loaded kernel module, relocated to where the kernel put
/// its sections: code addresses to functions, inlined functions and source
/// lines, as DwarfSourceLines does for the vmlinux.
///
/// A module file is an ELF relocatable object: its DWARF refers to its
/// sections through relocations that the module loader never applied to the
/// file. libdwfl applies them (the way it does for a running kernel's
/// modules with dwfl_linux_kernel_module_section_address, which reads
/// /sys/module/NAME/sections/): the module is reported with
/// dwfl_report_module, the `find_elf` callback opens the debug file, and the
/// `section_address` callback answers each section's load address from the
/// dump's `mod->sect_attrs`. A section the dump does not list is "not
/// loaded" ((Dwarf_Addr)-1, libdwfl's convention).
///
/// Nothing is read until the first lookup; a file libdwfl cannot use gives
/// empty results from then on and `loadError` says why.
public final class ModuleDwarf: @unchecked Sendable {
    // @unchecked Sendable: every libdwfl call runs under `state`'s lock.
    public let module: String
    public let file: ModuleDebugFile
    /// Load address of each section, by section name (from sect_attrs).
    public let sections: [String: UInt64]
    /// Where the module's core text starts and ends: the range reported to libdwfl.
    let start: UInt64, end: UInt64

    private struct State {
        var opened = false
        var dwfl: OpaquePointer?
        var dwflModule: OpaquePointer?
        var loadError: String?
        var cache: [UInt64: [SourceFrame]] = [:]
    }
    private let state = Mutex(State())
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>

    public init(module: String, file: ModuleDebugFile, sections: [String: UInt64], start: UInt64, end: UInt64) {
        self.module = module
        self.file = file
        self.sections = sections
        self.start = start
        self.end = max(end, start + 1)
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: Dwfl_Callbacks(
            find_elf: moduleDwarfFindElf, find_debuginfo: moduleDwarfFindDebuginfo,
            section_address: moduleDwarfSectionAddress, debuginfo_path: nil))
    }

    deinit {
        state.withLock { s in if let dwfl = s.dwfl { dwfl_end(dwfl) } }
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
    }

    /// Why the DWARF could not be used (nil before the first lookup and when it could).
    public var loadError: String? { state.withLock { $0.loadError } }

    /// The functions at a runtime address inside the module, innermost
    /// first; empty when the DWARF has no unit for it (or is unusable).
    public func frames(at address: UInt64) -> [SourceFrame] {
        state.withLock { s in
            if let hit = s.cache[address] { return hit }
            if !s.opened { open(&s) }
            var frames: [SourceFrame] = []
            if let mod = s.dwflModule {
                var bias: Dwarf_Addr = 0
                if let cu = dwfl_module_addrdie(mod, Dwarf_Addr(address), &bias) {
                    frames = SourceFrameLookup.frames(unit: &cu.pointee, at: Dwarf_Addr(address) &- bias)
                }
            }
            s.cache[address] = frames
            return frames
        }
    }

    /// The ELF function symbol of the debug file spanning a runtime address
    /// (relocated by libdwfl), for code without a DWARF function.
    public func functionSymbol(containing address: UInt64) -> String? {
        state.withLock { s in
            if !s.opened { open(&s) }
            guard let mod = s.dwflModule, let name = dwfl_module_addrname(mod, Dwarf_Addr(address)) else { return nil }
            return String(cString: name)
        }
    }

    private func open(_ s: inout State) {
        s.opened = true
        guard let dwfl = dwfl_begin(callbacks) else {
            s.loadError = "libdwfl: \(String(cString: dwfl_errmsg(-1)))"
            return
        }
        s.dwfl = dwfl
        dwfl_report_begin(dwfl)
        let mod = dwfl_report_module(dwfl, module, Dwarf_Addr(start), Dwarf_Addr(end))
        if let mod {
            // The callbacks find this object through the module's user data.
            var userdata: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
            _ = dwfl_module_info(mod, &userdata, nil, nil, nil, nil, nil, nil)
            userdata?.pointee = Unmanaged.passUnretained(self).toOpaque()
        }
        guard dwfl_report_end(dwfl, nil, nil) == 0, let mod else {
            s.loadError = "libdwfl: \(String(cString: dwfl_errmsg(-1)))"
            return
        }
        var bias: Dwarf_Addr = 0
        guard dwfl_module_getdwarf(mod, &bias) != nil else {
            s.loadError = "\(file.path): \(String(cString: dwfl_errmsg(-1)))"
            return
        }
        s.dwflModule = mod
    }

    fileprivate static func of(_ userdata: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> ModuleDwarf? {
        guard let raw = userdata?.pointee else { return nil }
        return Unmanaged<ModuleDwarf>.fromOpaque(raw).takeUnretainedValue()
    }
}

// libdwfl's callbacks (C function pointers, so free functions that find
// their ModuleDwarf through the module's user data).

/// Opens the debug file; libdwfl takes the descriptor and the name.
private func moduleDwarfFindElf(_ mod: OpaquePointer?, _ userdata: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                _ name: UnsafePointer<CChar>?, _ base: Dwarf_Addr,
                                _ fileName: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                _ elf: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let me = ModuleDwarf.of(userdata) else { return -1 }
    let fd = open(me.file.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return -1 }
    fileName?.pointee = strdup(me.file.path)
    return fd
}

/// The debug file is the module file itself: no separate debuginfo.
private func moduleDwarfFindDebuginfo(_ mod: OpaquePointer?, _ userdata: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                      _ name: UnsafePointer<CChar>?, _ base: Dwarf_Addr,
                                      _ fileName: UnsafePointer<CChar>?, _ debuglink: UnsafePointer<CChar>?,
                                      _ crc: GElf_Word, _ debuginfoName: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    -1
}

/// A section's load address from the dump, or (Dwarf_Addr)-1: not loaded.
private func moduleDwarfSectionAddress(_ mod: OpaquePointer?, _ userdata: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                       _ name: UnsafePointer<CChar>?, _ base: Dwarf_Addr, _ section: UnsafePointer<CChar>?,
                                       _ index: GElf_Word, _ header: UnsafePointer<GElf_Shdr>?,
                                       _ address: UnsafeMutablePointer<Dwarf_Addr>?) -> Int32 {
    guard let address else { return -1 }
    address.pointee = Dwarf_Addr.max
    if let me = ModuleDwarf.of(userdata), let section, let loaded = me.sections[String(cString: section)] {
        address.pointee = Dwarf_Addr(loaded)
    }
    return 0
}
