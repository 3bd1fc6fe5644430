/// Where a kernel's kallsyms tables are and how `kallsyms_offsets` encodes
/// addresses: what scripts/kallsyms.c emitted into this build's .rodata.
///
/// scripts/kallsyms.c has written the same tables in three orders, each table
/// starting 8-byte aligned (`.balign 8`):
///
/// - up to 6.1: `offsets, relative_base, num_syms, names, markers, token_table,
///   token_index` (6.2, and Debian's 6.1.y by backport, add `seqs_of_names`
///   between markers and token_table);
/// - 6.4 on (commit "kallsyms: reorder kallsyms tables" ...): `num_syms, names,
///   markers, token_table, token_index, offsets, relative_base, seqs_of_names`;
/// - 6.15 on ("kallsyms: Get rid of kallsyms_relative_base"): the same without
///   `relative_base`; an offset is place-relative (`.long _text - . + off`),
///   read back as `&kallsyms_offsets[i] + kallsyms_offsets[i]` (offset_to_ptr).
///
/// Before 6.0 VMCOREINFO names none of them; `KallsymsLocator` then finds them
/// by their structure and accepts them only when the symbols they decode give
/// the addresses VMCOREINFO does list.
public struct KallsymsLayout: Sendable, Equatable {
    public enum Encoding: Sendable, Equatable {
        /// CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP up to 6.14): a
        /// non-negative offset is absolute (per-CPU symbols), a negative one
        /// is `relative_base - 1 - offset`.
        case absolutePercpu(relativeBase: UInt64)
        /// `relative_base + (u32)offset`.
        case relative(relativeBase: UInt64)
        /// 6.15+: `&kallsyms_offsets[i] + offset`.
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
