@preconcurrency import Glibc
import CDw
import Synchronization

/// One function at a code address: the innermost is where the instruction
/// is; each further one inlined the one before it (or, for the last, is the
/// real function the address belongs to).
public struct SourceFrame: Sendable, Equatable {
    /// The DWARF name (the abstract function's name for an inlined copy or a
    /// gcc clone: `foo`, where the ELF symbol is `foo.constprop.0`); nil when
    /// the address has no DWARF function (assembly).
    public var function: String?
    public var file: String?
    public var line: Int?
    /// True for a function inlined into the next frame, which shares its pc.
    public var inlined: Bool
    public init(function: String?, file: String?, line: Int?, inlined: Bool) {
        self.function = function
        self.file = file
        self.line = line
        self.inlined = inlined
    }
}

/// Code addresses to functions, inlined functions and source lines, from a
/// debug vmlinux's DWARF (crash's `bt -l`, drgn's inline frames).
///
/// The unit is found through .debug_aranges (dwarf_addrdie), the chain of
/// scopes containing the address through dwarf_getscopes (DWARF 5, 3.3.8
/// "Concrete inlined instances"): the innermost DW_TAG_inlined_subroutine
/// first, the DW_TAG_subprogram last. The innermost frame's line is the line
/// table's row for the address; every outer frame's line is the
/// DW_AT_call_file/DW_AT_call_line of the inlined instance inside it.
/// Results are remembered per address: sleeping tasks share a few dozen pcs.
public final class DwarfSourceLines: @unchecked Sendable {
    // @unchecked Sendable: libdw calls run under vmlinux.libdw, the cache under its Mutex.
    public let vmlinux: Vmlinux
    private let dwarf: OpaquePointer
    private let cache = Mutex<[UInt64: [SourceFrame]]>([:])

    public init(vmlinux: Vmlinux) throws {
        guard let dwarf = vmlinux.dwarf else {
            throw DebugInfoError.malformed(what: "vmlinux", detail: "\(vmlinux.path) has no DWARF debug info (.debug_info)")
        }
        self.vmlinux = vmlinux
        self.dwarf = dwarf
    }

    /// The frames at a link-time address (subtract the KASLR offset from a
    /// runtime one), innermost first; empty when no unit covers it.
    public func frames(at address: UInt64) -> [SourceFrame] {
        if let hit = cache.withLock({ $0[address] }) { return hit }
        let frames = vmlinux.libdw.withLock { _ in lookUp(address) }
        cache.withLock { $0[address] = frames }
        return frames
    }

    private func lookUp(_ address: UInt64) -> [SourceFrame] {
        var cu = Dwarf_Die()
        guard dwarf_addrdie(dwarf, Dwarf_Addr(address), &cu) != nil else { return [] }
        return SourceFrameLookup.frames(unit: &cu, at: Dwarf_Addr(address))
    }
}

/// The chain of functions at an address inside one compilation unit, shared
/// by the vmlinux (DwarfSourceLines) and the modules (ModuleDwarf): the unit
/// is found by each caller its own way, the rest is the same DWARF walk.
enum SourceFrameLookup {
    /// `address` is in the unit's own address space (for a module, the
    /// relocated one).
    static func frames(unit cu: inout Dwarf_Die, at address: Dwarf_Addr) -> [SourceFrame] {
        var file: String?
        var line: Int?
        if let row = dwarf_getsrc_die(&cu, address) {
            file = dwarf_linesrc(row, nil, nil).map { String(cString: $0) }
            var n: Int32 = 0
            if dwarf_lineno(row, &n) == 0 { line = Int(n) }
        }
        // dwarf_getscopes stops at the innermost inlined instance and goes on
        // with the scopes of its abstract definition; the concrete chain of
        // callers comes from dwarf_getscopes_die on that instance.
        var found: UnsafeMutablePointer<Dwarf_Die>?
        let foundCount = dwarf_getscopes(&cu, address, &found)
        defer { free(found) }
        var innermost: Dwarf_Die?
        for i in 0..<Int(max(foundCount, 0)) {
            guard var scope = found?[i] else { break }
            let tag = Int(dwarf_tag(&scope))
            if tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram { innermost = scope; break }
        }
        guard var first = innermost else { return [SourceFrame(function: nil, file: file, line: line, inlined: false)] }
        var scopes: UnsafeMutablePointer<Dwarf_Die>?
        let count = dwarf_getscopes_die(&first, &scopes)
        defer { free(scopes) }
        guard count > 0, let scopes else {
            return [SourceFrame(function: dwarf_diename(&first).map { String(cString: $0) }, file: file, line: line, inlined: false)]
        }

        var files: OpaquePointer?
        var fileCount = 0
        _ = dwarf_getsrcfiles(&cu, &files, &fileCount)
        var result: [SourceFrame] = []
        for i in 0..<Int(count) {
            var scope = scopes[i]
            let tag = Int(dwarf_tag(&scope))
            guard tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram else { continue }
            let name = dwarf_diename(&scope).map { String(cString: $0) }
            result.append(SourceFrame(function: name, file: file, line: line, inlined: tag == DW_TAG_inlined_subroutine))
            if tag == DW_TAG_subprogram { break }
            // The caller's position: where this copy was inlined.
            file = nil
            line = nil
            var a = Dwarf_Attribute()
            var v: Dwarf_Word = 0
            if dwarf_attr(&scope, UInt32(DW_AT_call_file), &a) != nil, dwarf_formudata(&a, &v) == 0, let files, Int(v) < fileCount {
                file = dwarf_filesrc(files, Int(v), nil, nil).map { String(cString: $0) }
            }
            if dwarf_attr(&scope, UInt32(DW_AT_call_line), &a) != nil, dwarf_formudata(&a, &v) == 0 { line = Int(v) }
        }
        if result.isEmpty { return [SourceFrame(function: nil, file: file, line: line, inlined: false)] }
        // An inlined chain whose subprogram scope is missing still ends in a real frame.
        result[result.count - 1].inlined = false
        return result
    }
}
