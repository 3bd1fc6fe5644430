/// Where a kernel's kallsyms tables are and how `kallsyms_offsets` encodes
/// addresses: what scripts/kallsyms.c emitted into this build's .rodata.
///
/// scripts/kallsyms.c has written the same tables in three orders, each
/// table starting 8-byte aligned (`.balign 8`) until the names and
/// seqs_of_names became `.incbin`s:
///
/// - early (5.10, 6.1): `offsets, relative_base, num_syms, names, markers,
///   [seqs_of_names,] token_table, token_index`; seqs_of_names is v6.2's, in
///   Debian's 6.1.y by backport;
/// - later (6.12): `num_syms, names, markers, token_table, token_index,
///   offsets, relative_base, seqs_of_names` (Masahiro Yamada's "kallsyms:
///   reorder" series);
/// - 7.x (7.3): the same without `relative_base` ("kallsyms: Get rid of
///   kallsyms_relative_base"): an offset is place-relative, emitted as
///   `.long _text - . + off` and read back as `&kallsyms_offsets[i] +
///   kallsyms_offsets[i]` (offset_to_ptr()); names follow num_syms without
///   padding and seqs_of_names follows the offsets directly.
///
/// The orders were checked against the fixtures: VMCOREINFO's SYMBOL()s of
/// 6.1 and 6.12, the 7.3 -dbg vmlinux's symbol table.
/// Before 6.0 VMCOREINFO names none of them; `KallsymsLocator` then finds them
/// by their structure and accepts them only when the symbols they decode give
/// the addresses VMCOREINFO does list.
public struct KallsymsLayout: Sendable, Equatable {
    public enum Encoding: Sendable, Equatable {
        /// CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP with a relative base): a
        /// non-negative offset is absolute (per-CPU symbols), a negative one
        /// is `relative_base - 1 - offset`.
        case absolutePercpu(relativeBase: UInt64)
        /// `relative_base + (u32)offset`.
        case relative(relativeBase: UInt64)
        /// 7.x: `&kallsyms_offsets[i] + offset`.
        case placeRelative
    }
    public var numSyms: Int
    public var names: UInt64
    public var markers: UInt64
    /// nil where the kernel has no kallsyms_seqs_of_names (before 6.2).
    public var seqsOfNames: UInt64?
    public var tokenTable: UInt64
    public var tokenIndex: UInt64
    public var offsets: UInt64
    public var encoding: Encoding
    /// Where the layout came from, for `symbolSource` and messages.
    public var origin: String

    public init(numSyms: Int, names: UInt64, markers: UInt64, seqsOfNames: UInt64?, tokenTable: UInt64, tokenIndex: UInt64,
                offsets: UInt64, encoding: Encoding, origin: String) {
        self.numSyms = numSyms
        self.names = names
        self.markers = markers
        self.seqsOfNames = seqsOfNames
        self.tokenTable = tokenTable
        self.tokenIndex = tokenIndex
        self.offsets = offsets
        self.encoding = encoding
        self.origin = origin
    }

    /// kallsyms_sym_address() (kernel/kallsyms.c) for entry `index` of kallsyms_offsets.
    @inline(__always)
    public func address(raw: Int32, index: Int) -> UInt64 {
        switch encoding {
        case .absolutePercpu(let rb): return raw >= 0 ? UInt64(raw) : rb &- 1 &- UInt64(bitPattern: Int64(raw))
        case .relative(let rb): return rb &+ UInt64(UInt32(bitPattern: raw))
        case .placeRelative: return offsets &+ UInt64(4 * index) &+ UInt64(bitPattern: Int64(raw))
        }
    }
}
