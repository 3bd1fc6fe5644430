import KdsqlMemory

/// One ORC unwind rule (struct orc_entry, arch/x86/include/asm/orc_types.h):
/// how to find the caller's SP (the CFA) and BP from this code address, and
/// what kind of frame it is.
public struct OrcEntry: Sendable, Equatable {
    /// ORC_REG_* base registers, by their numbers from 4.14 to 6.x
    /// (arch/x86/include/asm/orc_types.h). Entries of kernels with the later
    /// numbering are translated to these when decoded (OrcRegisterNumbering);
    /// `ax` (ORC_REG_AX, added with that renumbering) has no number there and
    /// gets 10 here.
    public enum Reg: UInt8, Sendable {
        case undefined = 0, prevSP = 1, dx = 2, di = 3, bp = 4, sp = 5, r10 = 6, r13 = 7
        case bpIndirect = 8, spIndirect = 9, ax = 10
    }
    public enum FrameType: Sendable, Equatable {
        /// A normal call frame: the return address is just below the CFA.
        case call
        /// A full `struct pt_regs` at the CFA (interrupt, exception, syscall entry).
        case regs
        /// Only the hardware iret frame (ip, cs, flags, sp, ss) at the CFA.
        case regsPartial
        /// No rule here (6.3+ ORC_TYPE_UNDEFINED).
        case undefined
        /// Explicit end of stack (6.3+ ORC_TYPE_END_OF_STACK).
        case endOfStack
    }
    public var spOffset: Int16
    public var bpOffset: Int16
    /// Register numbers in the numbering of `Reg` (an unknown one makes the
    /// unwinder stop with an error).
    public var spRegRaw: UInt8
    public var bpRegRaw: UInt8
    public var type: FrameType
    /// `end` bit (up to 6.2): with sp_reg UNDEFINED, the stack ends normally here.
    public var end: Bool
    /// `signal` bit (6.3+): the frame was interrupted, look up ip itself, not ip-1.
    public var signal: Bool

    public var spReg: Reg? { Reg(rawValue: spRegRaw) }
    public var bpReg: Reg? { Reg(rawValue: bpRegRaw) }

    /// The rule the kernel uses for IP 0 (a call through a NULL pointer):
    /// null_orc_entry in unwind_orc.c.
    public static let nullIP = OrcEntry(spOffset: 8, bpOffset: 0, spRegRaw: Reg.sp.rawValue,
                                        bpRegRaw: Reg.undefined.rawValue, type: .call, end: false, signal: false)
}

/// The kernel's numbering of ORC_REG_* (arch/x86/include/asm/orc_types.h).
/// From 4.14 to 6.x: UNDEFINED 0, PREV_SP 1, DX 2, DI 3, BP 4, SP 5, R10 6,
/// R13 7, BP_INDIRECT 8, SP_INDIRECT 9. The 7.x kernels renumbered them and
/// added AX (orc_types.h of Debian's linux-headers-7.3.4+deb13-common):
/// UNDEFINED 0, AX 1, DX 2, SP 3, BP 4, DI 5, R10 6, R13 7, PREV_SP 8,
/// SP_INDIRECT 9, BP_INDIRECT 10. The struct's layout did not change, so BTF
/// cannot tell them apart; the tables can: every C function's first
/// instruction has the rule "CFA = SP + 8" (the return address just pushed),
/// so the sp_reg of the entry at a known function's address is SP's number.
enum OrcRegisterNumbering: Sendable, Equatable {
    case classic
    case renumbered

    /// Raw register number -> `OrcEntry.Reg` raw value.
    func normalize(_ raw: UInt8) -> UInt8 {
        switch self {
        case .classic: return raw
        case .renumbered:
            switch raw {
            case 0: return OrcEntry.Reg.undefined.rawValue
            case 1: return OrcEntry.Reg.ax.rawValue
            case 2: return OrcEntry.Reg.dx.rawValue
            case 3: return OrcEntry.Reg.sp.rawValue
            case 4: return OrcEntry.Reg.bp.rawValue
            case 5: return OrcEntry.Reg.di.rawValue
            case 6: return OrcEntry.Reg.r10.rawValue
            case 7: return OrcEntry.Reg.r13.rawValue
            case 8: return OrcEntry.Reg.prevSP.rawValue
            case 9: return OrcEntry.Reg.spIndirect.rawValue
            case 10: return OrcEntry.Reg.bpIndirect.rawValue
            default: return 0xff
            }
        }
    }
}

/// How `struct orc_entry` is laid out in this kernel, from BTF: two s16 and
/// bitfields `sp_reg:4 bp_reg:4 type:2 end:1` up to 6.2, `type:3 signal:1`
/// with renumbered types from 6.3 (commit ffb1b4a41016, "x86/unwind/orc: Add
/// 'signal' field to ORC metadata"). Resolved once.
struct OrcEntryLayout {
    var size: Int
    var spOffset: FieldRef, bpOffset: FieldRef, spReg: FieldRef, bpReg: FieldRef, type: FieldRef
    var end: FieldRef?, signal: FieldRef?
    var numbering: OrcRegisterNumbering = .classic

    init(kernel: Kernel) throws {
        let t = "struct orc_entry"
        size = try kernel.size(of: t)
        spOffset = try kernel.field(t, "sp_offset")
        bpOffset = try kernel.field(t, "bp_offset")
        spReg = try kernel.field(t, "sp_reg")
        bpReg = try kernel.field(t, "bp_reg")
        type = try kernel.field(t, "type")
        end = try? kernel.field(t, "end")
        signal = try? kernel.field(t, "signal")
    }

    /// Extracts a (bit)field from the entry's bytes.
    @inline(__always)
    func bits(_ bytes: UnsafeRawBufferPointer, _ f: FieldRef) -> UInt64 {
        var raw: UInt64 = 0
        let width = f.bitSize > 0 ? f.bitShift + f.bitSize : f.size * 8
        let n = (width + 7) / 8
        for i in 0..<n where Int(f.offset) + i < bytes.count { raw |= UInt64(bytes[Int(f.offset) + i]) << UInt64(8 * i) }
        if f.bitSize > 0 { return (raw >> UInt64(f.bitShift)) & ((1 << UInt64(f.bitSize)) - 1) }
        return raw
    }

    func decode(_ bytes: UnsafeRawBufferPointer) -> OrcEntry {
        let rawType = bits(bytes, type)
        let type: OrcEntry.FrameType
        if signal != nil {
            // 6.3+ numbering: UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3, REGS_PARTIAL 4.
            switch rawType {
            case 1: type = .endOfStack
            case 2: type = .call
            case 3: type = .regs
            case 4: type = .regsPartial
            default: type = .undefined
            }
        } else {
            // Up to 6.2: ORC_TYPE_CALL 0, ORC_TYPE_REGS 1, ORC_TYPE_REGS_PARTIAL 2.
            switch rawType {
            case 0: type = .call
            case 1: type = .regs
            case 2: type = .regsPartial
            default: type = .undefined
            }
        }
        return OrcEntry(
            spOffset: Int16(truncatingIfNeeded: bits(bytes, spOffset)),
            bpOffset: Int16(truncatingIfNeeded: bits(bytes, bpOffset)),
            spRegRaw: numbering.normalize(UInt8(bits(bytes, spReg))), bpRegRaw: numbering.normalize(UInt8(bits(bytes, bpReg))),
            type: type,
            end: end.map { bits(bytes, $0) != 0 } ?? (type == .endOfStack),
            signal: signal.map { bits(bytes, $0) != 0 } ?? false)
    }
}

/// One pair of ORC tables as the kernel keeps them: `ip` is an array of s32
/// offsets, each relative to its own address (orc_ip() in unwind_orc.c),
/// sorted; `table` the parallel array of struct orc_entry.
struct OrcTable {
    var ipTable: UInt64
    var entries: UInt64
    var count: Int

    /// __orc_find(): rightmost entry whose IP <= ip, searching `[first, first+n)`.
    func find(_ ip: UInt64, first: Int = 0, n: Int? = nil, kernel: Kernel) throws -> Int? {
        let n = n ?? count
        guard n > 0, first >= 0, first + n <= count else { return nil }
        var lo = first, hi = first + n - 1, found: Int? = nil
        while lo <= hi {
            let mid = lo + (hi - lo) / 2
            let slot = ipTable &+ UInt64(mid) * 4
            let entryIP = slot &+ UInt64(bitPattern: Int64(try kernel.readI32(slot)))
            if entryIP <= ip { found = mid; lo = mid + 1 } else { hi = mid - 1 }
        }
        return found ?? first
    }
}

/// Finds the ORC rule for a code address: vmlinux's tables through the
/// `orc_lookup` block index, vmlinux init text by binary search, then the
/// module whose text holds the address (orc_find() in unwind_orc.c).
/// Answers are cached per address: many tasks share the same return addresses.
public final class OrcUnwindTables {
    public let kernel: Kernel
    var layout: OrcEntryLayout
    let vmlinux: OrcTable
    /// orc_lookup[]: for each LOOKUP_BLOCK_SIZE (256 bytes, orc_lookup.h) block
    /// of [_stext, _etext), the first ORC entry index for that block.
    let lookup: (table: UInt64, blocks: Int, start: UInt64, stop: UInt64)?
    let initText: (UInt64, UInt64)?
    /// [_stext, _etext): core kernel text.
    let coreText: (UInt64, UInt64)?
    let modules: ModuleSymbols?
    /// Field refs of `struct module` → `arch.orc_unwind_ip`, `arch.orc_unwind`,
    /// `arch.num_orcs` (set by unwind_module_init()), resolved once.
    let moduleORC: (ip: FieldRef, table: FieldRef, count: FieldRef)?
    private var moduleTables: [UInt64: OrcTable?] = [:]
    private var cache: [UInt64: OrcEntry?] = [:]
    static let lookupBlockSize: UInt64 = 256

    public init(kernel: Kernel, modules: ModuleSymbols?) throws {
        self.kernel = kernel
        self.modules = modules
        layout = try OrcEntryLayout(kernel: kernel)
        if let ip = try? kernel.field("struct module", "arch.orc_unwind_ip"),
           let table = try? kernel.field("struct module", "arch.orc_unwind"),
           let count = try? kernel.field("struct module", "arch.num_orcs") {
            moduleORC = (ip, table, count)
        } else {
            moduleORC = nil
        }
        let ipStart = try kernel.address(of: "__start_orc_unwind_ip")
        let ipStop = try kernel.address(of: "__stop_orc_unwind_ip")
        let orcStart = try kernel.address(of: "__start_orc_unwind")
        guard ipStop > ipStart, (ipStop - ipStart) % 4 == 0, (ipStop - ipStart) < 64 << 20 else {
            throw MemoryError.missing("the kernel's .orc_unwind_ip table is empty or malformed (__start/__stop_orc_unwind_ip); it was not built with CONFIG_UNWINDER_ORC")
        }
        vmlinux = OrcTable(ipTable: ipStart, entries: orcStart, count: Int((ipStop - ipStart) / 4))
        if let table = kernel.symbols.address(of: "orc_lookup"), let end = kernel.symbols.address(of: "orc_lookup_end"),
           let stext = kernel.symbols.address(of: "_stext"), let etext = kernel.symbols.address(of: "_etext"),
           end > table, (end - table) / 4 >= 2 {
            lookup = (table, Int((end - table) / 4), stext, etext)
        } else {
            lookup = nil
        }
        if let a = kernel.symbols.address(of: "_stext"), let b = kernel.symbols.address(of: "_etext"), b > a {
            coreText = (a, b)
        } else {
            coreText = nil
        }
        if let a = kernel.symbols.address(of: "_sinittext"), let b = kernel.symbols.address(of: "_einittext"), b > a {
            initText = (a, b)
        } else {
            initText = nil
        }
        layout.numbering = try probeNumbering()
    }

    /// Which ORC_REG_* numbering the tables use (OrcRegisterNumbering): the
    /// sp_reg of the rule at the first instruction of functions every kernel
    /// has, whose CFA is SP + 8.
    func probeNumbering() throws -> OrcRegisterNumbering {
        var votes: [UInt8: Int] = [:]
        for name in ["panic", "schedule", "do_exit", "kthread", "vfs_read", "printk", "_printk"] {
            guard let a = kernel.symbols.address(of: name), let i = try? vmlinux.find(a, kernel: kernel),
                  let raw = try? kernel.read(vmlinux.entries &+ UInt64(i * layout.size), count: layout.size) else { continue }
            let e = raw.withUnsafeBytes { layout.decode($0) }  // decoded as classic: the raw numbers
            if e.spOffset == 8, e.type == .call || layout.signal == nil { votes[e.spRegRaw, default: 0] += 1 }
        }
        guard let (sp, _) = votes.max(by: { $0.value < $1.value }) else {
            throw MemoryError.missing("cannot tell the kernel's ORC register numbering: no function-entry rule found at panic, schedule, do_exit...")
        }
        switch sp {
        case 5: return .classic
        case 3: return .renumbered
        default: throw MemoryError.missing("the kernel's ORC tables name register \(sp) as SP at function entries: an ORC_REG_* numbering kdsql does not know")
        }
    }

    /// True when `ip` is in vmlinux text or a module's text (__kernel_text_address()).
    public func isKernelText(_ ip: UInt64) -> Bool {
        if let (a, b) = coreText, ip >= a, ip < b { return true }
        if let (a, b) = initText, ip >= a, ip < b { return true }
        return moduleText(containing: ip) != nil
    }

    /// The module whose executable text (not its data) holds `ip`.
    func moduleText(containing ip: UInt64) -> ModuleInfo? {
        guard let m = modules?.module(containing: ip) else { return nil }
        return m.regions.contains { $0.contains(ip) && ip &- $0.base < $0.textSize } ? m : nil
    }

    /// A module's own ORC tables (orc_module_find()), read once per module.
    func moduleTable(_ m: ModuleInfo) -> OrcTable? {
        if let cached = moduleTables[m.address] { return cached }
        var table: OrcTable?
        if let f = moduleORC,
           let ip = try? kernel.readPointer(m.address, f.ip), let orc = try? kernel.readPointer(m.address, f.table),
           let n = try? kernel.readUnsigned(m.address, f.count), ip != 0, orc != 0, n > 0, n < 1 << 24 {
            table = OrcTable(ipTable: ip, entries: orc, count: Int(n))
        }
        moduleTables[m.address] = table
        return table
    }

    /// The ORC entry for `ip`, or nil when no table covers it. A table page
    /// the dump lacks is an error, not "no entry": falling back to frame
    /// pointers then would drop frames without a word.
    public func find(_ ip: UInt64) throws -> OrcEntry? {
        if let hit = cache[ip] { return hit }
        let value = try lookupUncached(ip)
        cache[ip] = value
        return value
    }

    /// `find` without the per-address cache (the fuzz target changes the
    /// tables' bytes between lookups).
    public func findUncached(_ ip: UInt64) throws -> OrcEntry? { try lookupUncached(ip) }

    func lookupUncached(_ ip: UInt64) throws -> OrcEntry? {
        if ip == 0 { return .nullIP }
        if let lookup, ip >= lookup.start, ip < lookup.stop {
            let idx = Int((ip - lookup.start) / Self.lookupBlockSize)
            guard idx < lookup.blocks - 1 else { return nil }  // "bad lookup idx"
            let start = Int(try kernel.readU32(lookup.table + UInt64(idx) * 4))
            let stop = Int(try kernel.readU32(lookup.table + UInt64(idx + 1) * 4)) + 1
            guard start < vmlinux.count, stop <= vmlinux.count, stop > start else { return nil } // "bad lookup value"
            guard let i = try vmlinux.find(ip, first: start, n: stop - start, kernel: kernel) else { return nil }
            return try entry(vmlinux, i)
        }
        if let (a, b) = initText, ip >= a, ip < b {
            guard let i = try vmlinux.find(ip, kernel: kernel) else { return nil }
            return try entry(vmlinux, i)
        }
        if lookup == nil, let (a, b) = coreText, ip >= a, ip < b {
            guard let i = try vmlinux.find(ip, kernel: kernel) else { return nil }
            return try entry(vmlinux, i)
        }
        if let m = moduleText(containing: ip), let table = moduleTable(m) {
            guard let i = try table.find(ip, kernel: kernel) else { return nil }
            return try entry(table, i)
        }
        return nil
    }

    func entry(_ table: OrcTable, _ i: Int) throws -> OrcEntry {
        let bytes = try kernel.read(table.entries &+ UInt64(i * layout.size), count: layout.size)
        return bytes.withUnsafeBytes { layout.decode($0) }
    }
}
