import KdsqlMemory
import KdsqlDebugInfo

/// One taint flag the kernel knows, and whether it is set.
public struct TaintFlag: Equatable, Sendable {
    public var bit: Int
    /// Letter printed when set (`taint_flag.c_true`) and when clear (`c_false`, usually a space).
    public var letter: String
    public var letterUnset: String
    /// TAINT_* name without the prefix (include/linux/panic.h).
    public var name: String
    /// Reason, from Documentation/admin-guide/tainted-kernels.rst.
    public var description: String
    public var isSet: Bool
    /// `taint_flag.module`: the flag is also shown per module (only kernels whose struct has it, e.g. 6.1).
    public var module: Bool?
}

/// The kernel's taint state: `tainted_mask` decoded with the kernel's own
/// `taint_flags[]` table (kernel/panic.c), so the letters and the number of
/// flags are right for whatever kernel made the dump.
public struct Taint: Sendable {
    public var mask: UInt64
    public var flags: [TaintFlag]
    /// Where the letters came from: "taint_flags" (the dump) or "built-in".
    public var letterSource: String

    /// TAINT_* names by bit (include/linux/panic.h; 19 = FWCTL since 6.15).
    public static let names = [
        "PROPRIETARY_MODULE", "FORCED_MODULE", "CPU_OUT_OF_SPEC", "FORCED_RMMOD", "MACHINE_CHECK", "BAD_PAGE",
        "USER", "DIE", "OVERRIDDEN_ACPI_TABLE", "WARN", "CRAP", "FIRMWARE_WORKAROUND", "OOT_MODULE",
        "UNSIGNED_MODULE", "SOFTLOCKUP", "LIVEPATCH", "AUX", "RANDSTRUCT", "TEST", "FWCTL",
    ]
    /// Reasons by bit (Documentation/admin-guide/tainted-kernels.rst, "Table for decoding tainted state").
    public static let descriptions = [
        "proprietary module was loaded", "module was force loaded",
        "kernel running on an out of specification system", "module was force unloaded",
        "processor reported a Machine Check Exception (MCE)", "bad page referenced or some unexpected page flags",
        "taint requested by userspace application", "kernel died recently, i.e. there was an OOPS or BUG",
        "ACPI table overridden by user", "kernel issued warning", "staging driver was loaded",
        "workaround for bug in platform firmware applied",
        "externally-built (\"out-of-tree\") module was loaded", "unsigned module was loaded",
        "soft lockup occurred", "kernel has been live patched",
        "auxiliary taint, defined for and used by distros",
        "kernel was built with the struct randomization plugin", "an in-kernel test has been run",
        "userspace used a mutating debug operation in fwctl",
    ]
    /// Letters (c_true, c_false) of kernel/panic.c, used only when the dump's
    /// taint_flags[] cannot be read (no type info for struct taint_flag).
    public static let builtinLetters: [(Character, Character)] = [
        ("P", "G"), ("F", " "), ("S", " "), ("R", " "), ("M", " "), ("B", " "), ("U", " "), ("D", " "),
        ("A", " "), ("W", " "), ("C", " "), ("I", " "), ("O", " "), ("E", " "), ("L", " "), ("K", " "),
        ("X", " "), ("T", " "), ("N", " "), ("J", " "),
    ]

    /// An entry of the kernel's taint_flags[] table.
    public struct Entry: Equatable, Sendable {
        public var cTrue: Character, cFalse: Character
        public var module: Bool?
        public var desc: String?
        public init(cTrue: Character, cFalse: Character, module: Bool? = nil, desc: String? = nil) {
            self.cTrue = cTrue
            self.cFalse = cFalse
            self.module = module
            self.desc = desc
        }
    }

    public init(mask: UInt64, entries: [Entry], letterSource: String) {
        self.mask = mask
        self.letterSource = letterSource
        flags = entries.enumerated().map { bit, e in
            TaintFlag(bit: bit, letter: String(e.cTrue), letterUnset: String(e.cFalse),
                      name: e.desc ?? (bit < Self.names.count ? Self.names[bit] : "BIT_\(bit)"),
                      description: bit < Self.descriptions.count ? Self.descriptions[bit] : "",
                      isSet: mask & (1 << UInt64(bit)) != 0, module: e.module)
        }
    }

    public init(kernel: Kernel) throws {
        let mask = try kernel.readU64(try kernel.address(of: "tainted_mask"))
        if let entries = try? Self.readTaintFlags(kernel), !entries.isEmpty {
            self.init(mask: mask, entries: entries, letterSource: "taint_flags")
        } else {
            self.init(mask: mask, entries: Self.builtinLetters.map { Entry(cTrue: $0.0, cFalse: $0.1) }, letterSource: "built-in")
        }
    }

    /// Reads `const struct taint_flag taint_flags[TAINT_FLAGS_COUNT]`. The
    /// count is a macro, absent from BTF, so the array's extent is the
    /// distance to the next symbol and each entry must look like a flag (an
    /// upper-case c_true, a printable c_false, a 0/1 `module`): the padding
    /// after the array is zero and ends the walk.
    static func readTaintFlags(_ kernel: Kernel) throws -> [Entry] {
        let base = try kernel.address(of: "taint_flags")
        let t = "struct taint_flag"
        let size = try kernel.size(of: t)
        let cTrue = try kernel.field(t, "c_true"), cFalse = try kernel.field(t, "c_false")
        // v6.1 has `bool module`; current include/linux/panic.h has `const char *desc` (the TAINT_* name) instead.
        let module = try? kernel.field(t, "module"), desc = try? kernel.field(t, "desc")
        let extent = kernel.symbols.symbolize(base).flatMap { $0.offset == 0 ? $0.size : nil } ?? UInt64(size * 64)
        let count = min(Int(extent) / max(size, 1), 64)
        let bytes = try kernel.read(base, count: count * size)
        var out: [Entry] = []
        for i in 0..<count {
            let at = i * size
            let ct = bytes[at + Int(cTrue.offset)], cf = bytes[at + Int(cFalse.offset)]
            guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(ct), (0x20...0x7e).contains(cf) else { break }
            var e = Entry(cTrue: Character(UnicodeScalar(ct)), cFalse: Character(UnicodeScalar(cf)))
            if let module {
                let m = bytes[at + Int(module.offset)]
                guard m <= 1 else { break }
                e.module = m == 1
            }
            if let desc {
                let p = LogBytes.unsigned(bytes, at + Int(desc.offset), 8)
                if p != 0 { e.desc = try? kernel.readCString(p, maxLength: 64) }
            }
            out.append(e)
        }
        return out
    }

    /// print_tainted(): "Not tainted", or "Tainted: " and one letter per flag
    /// (c_true when set, c_false when clear) — the `Tainted:` field of the
    /// `CPU: 0 PID: ...` line.
    public static func text(mask: UInt64, flags: [TaintFlag]) -> String {
        guard mask != 0 else { return "Not tainted" }
        return "Tainted: " + flags.map { mask & (1 << UInt64($0.bit)) != 0 ? $0.letter : $0.letterUnset }.joined()
    }

    public var text: String { Self.text(mask: mask, flags: flags) }
}
