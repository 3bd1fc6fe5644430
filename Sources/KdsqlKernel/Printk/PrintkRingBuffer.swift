import KdsqlMemory
import KdsqlDebugInfo

/// A bitfield inside a struct: byte offset of its first byte, bit shift, width.
public struct BitfieldLayout: Equatable, Sendable {
    public var offset: Int
    public var shift: Int
    public var bits: Int
    public init(offset: Int, shift: Int, bits: Int) { self.offset = offset; self.shift = shift; self.bits = bits }

    func read(_ b: [UInt8]) -> Int {
        let raw = LogBytes.unsigned(b, offset, (shift + bits + 7) / 8)
        return Int((raw >> UInt64(shift)) & ((1 << UInt64(bits)) - 1))
    }
}

/// Member offsets of the lockless ring buffer's structs
/// (kernel/printk/printk_ringbuffer.h, 5.10+). Resolved once by name, from
/// BTF when the dump has it, else from the OFFSET()/SIZE() lines the kernel
/// itself exports in VMCOREINFO for exactly this purpose (kernel/printk/printk.c
/// log_buf_vmcoreinfo_setup). VMCOREINFO has no entries for the facility,
/// level and flags bitfields, so those stay nil without BTF.
public struct PrintkRingBufferLayout: Sendable {
    // struct printk_ringbuffer
    public var descRing = 0, textDataRing = 0
    // struct prb_desc_ring
    public var countBits = 0, descs = 0, infos = 0, headID = 0, tailID = 0
    // struct prb_desc
    public var descSize = 0, stateVar = 0, textBlkLpos = 0
    // struct prb_data_blk_lpos
    public var lposBegin = 0, lposNext = 0
    // struct printk_info
    public var infoSize = 0, seq = 0, tsNsec = 0, textLen = 0
    public var facility: Int?
    public var level: BitfieldLayout?
    public var flags: BitfieldLayout?
    public var callerID: Int?
    /// struct dev_printk_info dev_info: subsystem[16], device[48] (absolute offsets in printk_info).
    public var subsystem: (offset: Int, length: Int)?
    public var device: (offset: Int, length: Int)?
    // struct prb_data_ring
    public var sizeBits = 0, data = 0, headLpos = 0, tailLpos = 0

    public init() {}

    /// From the kernel's BTF; falls back to VMCOREINFO when BTF is unavailable.
    public init(kernel: Kernel) throws {
        do {
            try self.init(btf: kernel)
        } catch let btfError {
            guard let v = try? Self(vmcoreinfo: kernel.vmcoreinfo) else { throw btfError }
            self = v
        }
    }

    init(btf k: Kernel) throws {
        func off(_ t: String, _ m: String) throws -> Int { Int(try k.field(t, m).offset) }
        descRing = try off("struct printk_ringbuffer", "desc_ring")
        textDataRing = try off("struct printk_ringbuffer", "text_data_ring")
        countBits = try off("struct prb_desc_ring", "count_bits")
        descs = try off("struct prb_desc_ring", "descs")
        infos = try off("struct prb_desc_ring", "infos")
        headID = try off("struct prb_desc_ring", "head_id")
        tailID = try off("struct prb_desc_ring", "tail_id")
        descSize = try k.size(of: "struct prb_desc")
        stateVar = try off("struct prb_desc", "state_var")
        textBlkLpos = try off("struct prb_desc", "text_blk_lpos")
        lposBegin = try off("struct prb_data_blk_lpos", "begin")
        lposNext = try off("struct prb_data_blk_lpos", "next")
        infoSize = try k.size(of: "struct printk_info")
        seq = try off("struct printk_info", "seq")
        tsNsec = try off("struct printk_info", "ts_nsec")
        textLen = try off("struct printk_info", "text_len")
        facility = try off("struct printk_info", "facility")
        func bitfield(_ m: String) throws -> BitfieldLayout {
            let f = try k.field("struct printk_info", m)
            return BitfieldLayout(offset: Int(f.offset), shift: f.bitShift, bits: f.bitSize > 0 ? f.bitSize : f.size * 8)
        }
        level = try bitfield("level")
        flags = try bitfield("flags")
        callerID = try? off("struct printk_info", "caller_id")
        if let dev = try? off("struct printk_info", "dev_info") {
            let s = try k.field("struct dev_printk_info", "subsystem"), d = try k.field("struct dev_printk_info", "device")
            subsystem = (dev + Int(s.offset), s.size)
            device = (dev + Int(d.offset), d.size)
        }
        sizeBits = try off("struct prb_data_ring", "size_bits")
        data = try off("struct prb_data_ring", "data")
        headLpos = try off("struct prb_data_ring", "head_lpos")
        tailLpos = try off("struct prb_data_ring", "tail_lpos")
    }

    public init(vmcoreinfo v: VMCoreInfo) throws {
        func off(_ t: String, _ m: String) throws -> Int {
            guard let o = v.offset(t, m) else { throw MemoryError.missing("VMCOREINFO has no OFFSET(\(t).\(m)) and the dump has no BTF: cannot read the printk ring buffer") }
            return o
        }
        func size(_ t: String) throws -> Int {
            guard let s = v.size(t) else { throw MemoryError.missing("VMCOREINFO has no SIZE(\(t))") }
            return s
        }
        descRing = try off("printk_ringbuffer", "desc_ring")
        textDataRing = try off("printk_ringbuffer", "text_data_ring")
        countBits = try off("prb_desc_ring", "count_bits")
        descs = try off("prb_desc_ring", "descs")
        infos = try off("prb_desc_ring", "infos")
        headID = try off("prb_desc_ring", "head_id")
        tailID = try off("prb_desc_ring", "tail_id")
        descSize = try size("prb_desc")
        stateVar = try off("prb_desc", "state_var")
        textBlkLpos = try off("prb_desc", "text_blk_lpos")
        lposBegin = try off("prb_data_blk_lpos", "begin")
        lposNext = try off("prb_data_blk_lpos", "next")
        infoSize = try size("printk_info")
        seq = try off("printk_info", "seq")
        tsNsec = try off("printk_info", "ts_nsec")
        textLen = try off("printk_info", "text_len")
        callerID = v.offset("printk_info", "caller_id")
        if let dev = v.offset("printk_info", "dev_info"),
           let s = v.offset("dev_printk_info", "subsystem"), let sl = v.length("printk_info_subsystem"),
           let d = v.offset("dev_printk_info", "device"), let dl = v.length("printk_info_device") {
            subsystem = (dev + s, sl)
            device = (dev + d, dl)
        }
        sizeBits = try off("prb_data_ring", "size_bits")
        data = try off("prb_data_ring", "data")
        headLpos = try off("prb_data_ring", "head_lpos")
        tailLpos = try off("prb_data_ring", "tail_lpos")
    }
}

/// The lockless printk ring buffer of 5.10+ kernels
/// (kernel/printk/printk_ringbuffer.{c,h}): a descriptor ring whose entries
/// carry a state and an ID in `state_var` plus the logical position of their
/// text in the text data ring; record metadata lives in the parallel `infos`
/// array. Records are read from `tail_id` to `head_id`; only descriptors in
/// the committed or finalized state whose ID matches are records (reserved =
/// a writer is still filling it, reusable = its text may already be gone).
public struct PrintkRingBuffer {
    public let memory: any LogMemory
    public let layout: PrintkRingBufferLayout
    /// Address of the `struct printk_ringbuffer` (what `prb` points at:
    /// printk_rb_static, or printk_rb_dynamic after setup_log_buf()).
    public let address: UInt64

    // From printk_ringbuffer.h: state_var = state << (BITS_PER_LONG - 2) | id.
    static let flagsShift: UInt64 = 62
    static let idMask: UInt64 = ~(3 << 62)
    // Descriptor states (enum desc_state).
    static let committed: UInt64 = 1, finalized: UInt64 = 2
    // Special lpos values of data-less records (FAILED_LPOS, NO_LPOS).
    static let failedLpos: UInt64 = 0x1, noLpos: UInt64 = 0x3
    /// Bytes of the block ID in front of each text block (struct prb_data_block.id).
    static let blockIDSize: UInt64 = 8

    public init(memory: any LogMemory, layout: PrintkRingBufferLayout, address: UInt64) {
        self.memory = memory
        self.layout = layout
        self.address = address
    }

    public init(kernel: Kernel) throws {
        let prb = try kernel.readU64(try kernel.requireLogSymbol("prb"))
        guard prb != 0 else { throw MemoryError.nullPointer(what: "prb (the printk ring buffer pointer)") }
        self.init(memory: kernel, layout: try PrintkRingBufferLayout(kernel: kernel), address: prb)
    }

    /// Where a record's text lies in the data array, following get_data():
    /// a regular block lies between `begin` and `next` in one wrap; a block
    /// that wrapped starts at index 0 (the unused tail of the previous wrap is
    /// skipped). Returns nil for data-less or invalid descriptors; an empty
    /// range for records stored without text (NO_LPOS).
    public static func textRange(begin: UInt64, next: UInt64, sizeBits: Int) -> Range<UInt64>? {
        guard sizeBits > 0, sizeBits < 64 else { return nil }
        let size: UInt64 = 1 << UInt64(sizeBits)
        // BLK_DATALESS: both positions odd.
        if begin & 1 == 1 && next & 1 == 1 {
            return begin == noLpos && next == noLpos ? 0..<0 : nil
        }
        func wraps(_ lpos: UInt64) -> UInt64 { lpos >> UInt64(sizeBits) }
        let index = begin & (size - 1)
        let start: UInt64, length: UInt64
        if wraps(begin) == wraps(next) && begin < next {
            start = index
            length = next - begin
        } else if wraps(begin &+ size) == wraps(next) {
            start = 0
            length = next & (size - 1)
        } else {
            return nil
        }
        // A valid block is aligned to the ID size and holds at least the ID.
        guard begin % blockIDSize == 0, next % blockIDSize == 0, length >= blockIDSize, length <= size, start + length <= size else { return nil }
        return (start + blockIDSize)..<(start + length)
    }

    struct Header {
        var descCount: UInt64, descs: UInt64, infos: UInt64, head: UInt64, tail: UInt64
        var dataSizeBits: Int, data: UInt64
    }

    func header() throws -> Header {
        let L = layout
        let dr = address &+ UInt64(L.descRing), tr = address &+ UInt64(L.textDataRing)
        let countBits = try memory.u32(dr &+ UInt64(L.countBits))
        let sizeBits = try memory.u32(tr &+ UInt64(L.sizeBits))
        guard countBits > 0, countBits < 32, sizeBits > 0, sizeBits < 40 else {
            throw MemoryError.typeMismatch("printk ring buffer at 0x\(String(address, radix: 16)) looks corrupt (count_bits \(countBits), size_bits \(sizeBits)); is prb right?")
        }
        return Header(descCount: 1 << UInt64(countBits), descs: try memory.u64(dr &+ UInt64(L.descs)),
                      infos: try memory.u64(dr &+ UInt64(L.infos)),
                      head: try memory.u64(dr &+ UInt64(L.headID)) & Self.idMask,
                      tail: try memory.u64(dr &+ UInt64(L.tailID)) & Self.idMask,
                      dataSizeBits: Int(sizeBits), data: try memory.u64(tr &+ UInt64(L.data)))
    }

    /// Pull-based walk from the oldest descriptor to the newest; bounded by
    /// the descriptor count, so corrupt IDs cannot make it loop.
    public struct Iterator {
        let ring: PrintkRingBuffer
        let header: Header
        var id: UInt64
        var remaining: UInt64
        /// When head_id and tail_id are implausible: the IDs found by scanning
        /// every descriptor, oldest first, and what was wrong.
        var scanned: [UInt64]?
        public var damage: String?

        public mutating func next() throws -> LogRecord? {
            if scanned != nil {
                while let current = scanned?.first {
                    scanned?.removeFirst()
                    if let r = try ring.record(id: current, header: header) { return r }
                }
                return nil
            }
            while remaining > 0 {
                let current = id
                id = (id &+ 1) & PrintkRingBuffer.idMask
                remaining -= 1
                if let r = try ring.record(id: current, header: header) { return r }
            }
            return nil
        }
    }

    public func makeIterator() throws -> Iterator {
        let h = try header()
        var count = ((h.head &- h.tail) & Self.idMask) &+ 1
        var first = h.tail
        // printk_ringbuffer.c keeps tail_id at most one lap behind head_id, and
        // the head descriptor's state_var carries head_id. Either failing means
        // damaged ids: the records are then found by scanning every slot.
        func stateVar(_ id: UInt64) -> UInt64? {
            let slot = h.descs &+ (id & (h.descCount - 1)) * UInt64(layout.descSize)
            return try? memory.u64(slot &+ UInt64(layout.stateVar))
        }
        let headID = stateVar(h.head).map { $0 & Self.idMask }
        // Within one lap the ids still have to fit the descriptors: the head
        // slot holds head_id, or head_id - count while a reservation is in
        // flight (desc_reserve() moves head_id before it writes the new
        // state_var); and the slot after the head holds an id of the previous
        // lap, never head_id + 1 - a newer id there means head_id is stale
        // or garbage and the records after it would vanish silently. A slot
        // never used yet (before the first lap completes) is all zeros: the
        // ids start at DESC0_ID, -(count + 1), so its id 0 is no newer id.
        var consistent = true
        if count <= h.descCount, let headID {
            consistent = headID == h.head || headID == (h.head &- h.descCount) & Self.idMask
            if let next = stateVar(h.head &+ 1), next != 0 {
                let ahead = ((next & Self.idMask) &- h.head) & Self.idMask
                if ahead > 0 && ahead <= h.descCount { consistent = false }
            }
        }
        if count > h.descCount && headID == h.head {
            // tail_id more than one lap behind head_id cannot happen in a
            // consistent ring: read the newest lap only.
            count = h.descCount
            first = (h.head &- h.descCount &+ 1) & Self.idMask
        } else if count > h.descCount || !consistent {
            var ids: [UInt64] = []
            for slot in 0..<h.descCount {
                guard let sv = try? memory.u64(h.descs &+ slot * UInt64(layout.descSize) &+ UInt64(layout.stateVar)) else { continue }
                let state = sv >> Self.flagsShift
                if state == Self.committed || state == Self.finalized { ids.append(sv & Self.idMask) }
            }
            ids.sort()
            // Each slot holds the latest id it was given; ids older than one
            // lap behind the newest are stale descriptors, not records.
            if let newest = ids.last, newest >= h.descCount { ids.removeAll { $0 <= newest - h.descCount } }
            var it = Iterator(ring: self, header: h, id: first, remaining: 0)
            it.scanned = ids
            it.damage = "printk ring buffer head_id 0x\(String(h.head, radix: 16)) / tail_id 0x\(String(h.tail, radix: 16)) are inconsistent with the descriptors; \(ids.count) records found by scanning every descriptor"
            return it
        }
        return Iterator(ring: self, header: h, id: first, remaining: count)
    }

    /// Every readable record, oldest first.
    public func records(damage: ((String) -> Void)? = nil) throws -> [LogRecord] {
        var it = try makeIterator()
        if let note = it.damage { damage?(note) }
        var out: [LogRecord] = []
        while let r = try it.next() { out.append(r) }
        return out
    }

    func record(id: UInt64, header h: Header) throws -> LogRecord? {
        let L = layout
        let slot = id & (h.descCount - 1)
        let desc = try memory.read(h.descs &+ slot * UInt64(L.descSize), count: L.descSize)
        let sv = LogBytes.unsigned(desc, L.stateVar, 8)
        let state = sv >> Self.flagsShift
        guard sv & Self.idMask == id, state == Self.committed || state == Self.finalized else { return nil }
        let begin = LogBytes.unsigned(desc, L.textBlkLpos + L.lposBegin, 8)
        let next = LogBytes.unsigned(desc, L.textBlkLpos + L.lposNext, 8)
        let info = try memory.read(h.infos &+ slot * UInt64(L.infoSize), count: L.infoSize)
        let textLen = Int(LogBytes.unsigned(info, L.textLen, 2))
        var text: String?
        if let range = Self.textRange(begin: begin, next: next, sizeBits: h.dataSizeBits) {
            let n = min(textLen, Int(range.count))
            let bytes = n > 0 ? try memory.read(h.data &+ range.lowerBound, count: n) : []
            text = String(decoding: bytes, as: UTF8.self)
        }
        var r = LogRecord(seq: LogBytes.unsigned(info, L.seq, 8), tsNs: LogBytes.unsigned(info, L.tsNsec, 8),
                          text: text, state: state == Self.finalized ? "finalized" : "committed")
        if let f = L.facility { r.facility = Int(info[f]) }
        r.level = L.level?.read(info)
        r.flags = L.flags?.read(info)
        if let c = L.callerID { r.callerID = UInt32(LogBytes.unsigned(info, c, 4)) }
        if let s = L.subsystem { r.subsystem = LogBytes.cString(info, s.offset, s.length) }
        if let d = L.device { r.device = LogBytes.cString(info, d.offset, d.length) }
        if r.subsystem == "" { r.subsystem = nil }
        if r.device == "" { r.device = nil }
        return r
    }
}
