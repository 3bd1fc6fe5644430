import KdsqlMemory
import KdsqlDebugInfo

/// Member offsets of the structured log record of 3.5–5.9 kernels
/// (kernel/printk/printk.c, v5.4):
///
///     struct printk_log {
///         u64 ts_nsec; u16 len; u16 text_len; u16 dict_len;
///         u8 facility; u8 flags:5; u8 level:3;
///         u32 caller_id;            /* CONFIG_PRINTK_CALLER, 5.1+ */
///     }
///
/// followed in log_buf by the text, the dictionary ("KEY=value\0KEY=value")
/// and padding to LOG_ALIGN. The struct was called `struct log` until 3.11
/// (commit 62e32ac3505a "printk: rename struct log to struct printk_log").
public struct PrintkLogLayout: Sendable {
    public var headerSize: Int
    public var tsNsec: Int, len: Int, textLen: Int, dictLen: Int
    public var facility: Int?
    public var level: BitfieldLayout?
    public var flags: BitfieldLayout?
    public var callerID: Int?

    public init(headerSize: Int, tsNsec: Int, len: Int, textLen: Int, dictLen: Int, facility: Int? = nil,
                level: BitfieldLayout? = nil, flags: BitfieldLayout? = nil, callerID: Int? = nil) {
        self.headerSize = headerSize
        self.tsNsec = tsNsec
        self.len = len
        self.textLen = textLen
        self.dictLen = dictLen
        self.facility = facility
        self.level = level
        self.flags = flags
        self.callerID = callerID
    }

    /// From the type info (either struct name), else from the OFFSET()/SIZE()
    /// lines of VMCOREINFO (log_buf_vmcoreinfo_setup(), which have no
    /// facility/level: those stay nil then).
    public init(kernel k: Kernel) throws {
        for name in ["struct printk_log", "struct log"] {
            guard let size = try? k.size(of: name) else { continue }
            func off(_ m: String) throws -> Int { Int(try k.field(name, m).offset) }
            func bitfield(_ m: String) -> BitfieldLayout? {
                guard let f = try? k.field(name, m) else { return nil }
                return BitfieldLayout(offset: Int(f.offset), shift: f.bitShift, bits: f.bitSize > 0 ? f.bitSize : f.size * 8)
            }
            self.init(headerSize: size, tsNsec: try off("ts_nsec"), len: try off("len"), textLen: try off("text_len"),
                      dictLen: try off("dict_len"), facility: try? off("facility"), level: bitfield("level"),
                      flags: bitfield("flags"), callerID: try? off("caller_id"))
            return
        }
        let v = k.vmcoreinfo
        for name in ["printk_log", "log"] {
            guard let size = v.size(name), let ts = v.offset(name, "ts_nsec"), let len = v.offset(name, "len"),
                  let tl = v.offset(name, "text_len"), let dl = v.offset(name, "dict_len") else { continue }
            self.init(headerSize: size, tsNsec: ts, len: len, textLen: tl, dictLen: dl, callerID: v.offset(name, "caller_id"))
            return
        }
        throw MemoryError.missing("neither type info nor VMCOREINFO describes struct printk_log: cannot read the 3.5–5.9 kernel log")
    }
}

/// The kernel log of 3.5–5.9 kernels: variable-length `struct printk_log`
/// records in the circular `log_buf`, from `log_first_idx`/`log_first_seq`
/// up to `log_next_seq`. A record with `len == 0` marks the end of the used
/// part of the buffer: reading continues at index 0 (log_from_idx(),
/// log_next() in kernel/printk/printk.c v5.4).
public struct PrintkLegacyLog {
    public var buffer: [UInt8]
    public var firstIndex: UInt32
    public var firstSeq: UInt64
    public var nextSeq: UInt64
    /// log_next_idx: where the next record will be written; the walk also
    /// stops there (it is all there is when the seq globals are unknown).
    public var nextIndex: UInt32?
    public var layout: PrintkLogLayout

    public init(buffer: [UInt8], firstIndex: UInt32, firstSeq: UInt64, nextSeq: UInt64, nextIndex: UInt32? = nil,
                layout: PrintkLogLayout) {
        self.buffer = buffer
        self.firstIndex = firstIndex
        self.firstSeq = firstSeq
        self.nextSeq = nextSeq
        self.nextIndex = nextIndex
        self.layout = layout
    }

    /// Largest log_buf kdsql reads (log_buf_len= allows up to 2 GiB; real ones are MiBs).
    static let maxBufferBytes = 256 << 20

    public init(kernel: Kernel) throws {
        try self.init(memory: kernel, layout: try PrintkLogLayout(kernel: kernel),
                      address: { try kernel.requireLogSymbol($0) })
    }

    /// Reads the globals (log_buf, log_buf_len, log_first_idx, log_next_idx,
    /// and log_first_seq/log_next_seq when the symbol table has them: VMCOREINFO
    /// exports only the first four) through `address` and the buffer through `memory`.
    public init(memory: any LogMemory, layout: PrintkLogLayout, address: (String) throws -> UInt64) throws {
        let buf = try memory.u64(try address("log_buf"))
        let len = Int(try memory.u32(try address("log_buf_len")))
        guard buf != 0, len > 0, len <= Self.maxBufferBytes else {
            throw MemoryError.typeMismatch("log_buf 0x\(String(buf, radix: 16)) / log_buf_len \(len) look corrupt")
        }
        let firstSeq = (try? address("log_first_seq")).flatMap { try? memory.u64($0) }
        let nextSeq = (try? address("log_next_seq")).flatMap { try? memory.u64($0) }
        self.init(buffer: try memory.read(buf, count: len),
                  firstIndex: try memory.u32(try address("log_first_idx")),
                  firstSeq: firstSeq ?? 0, nextSeq: firstSeq == nil ? UInt64.max : nextSeq ?? UInt64.max,
                  nextIndex: (try? address("log_next_idx")).flatMap { try? memory.u32($0) },
                  layout: layout)
    }

    /// Every record, oldest first. A record that does not fit the buffer
    /// ends the walk (the rest would be garbage); the walk is bounded by the
    /// number of headers that fit in the buffer.
    public func records() throws -> [LogRecord] {
        let L = layout
        var out: [LogRecord] = []
        var idx = Int(firstIndex)
        var seq = firstSeq
        let bound = UInt64(buffer.count / max(L.headerSize, 1))
        while seq < nextSeq, UInt64(out.count) <= bound {
            if let nextIndex, idx == Int(nextIndex), !out.isEmpty || nextSeq == .max { break }
            guard idx + L.headerSize <= buffer.count else { break }
            var len = Int(LogBytes.unsigned(buffer, idx + L.len, 2))
            if len == 0 {
                // End-of-buffer marker: the record is at the start.
                idx = 0
                len = Int(LogBytes.unsigned(buffer, L.len, 2))
                guard len != 0 else { break }
            }
            let textLen = Int(LogBytes.unsigned(buffer, idx + L.textLen, 2))
            let dictLen = Int(LogBytes.unsigned(buffer, idx + L.dictLen, 2))
            guard len >= L.headerSize + textLen + dictLen, idx + len <= buffer.count else {
                throw MemoryError.typeMismatch("printk_log record seq \(seq) at log_buf+\(idx) is corrupt (len \(len), text_len \(textLen), dict_len \(dictLen))")
            }
            let textStart = idx + L.headerSize
            var r = LogRecord(seq: seq, tsNs: LogBytes.unsigned(buffer, idx + L.tsNsec, 8),
                              text: String(decoding: buffer[textStart..<(textStart + textLen)], as: UTF8.self))
            if let f = L.facility { r.facility = Int(buffer[idx + f]) }
            let header = Array(buffer[idx..<(idx + L.headerSize)])
            r.level = L.level?.read(header)
            r.flags = L.flags?.read(header)
            if let c = L.callerID { r.callerID = UInt32(LogBytes.unsigned(buffer, idx + c, 4)) }
            let dict = buffer[(textStart + textLen)..<(textStart + textLen + dictLen)]
            for entry in dict.split(separator: 0) {
                let s = String(decoding: entry, as: UTF8.self)
                if s.hasPrefix("SUBSYSTEM=") { r.subsystem = String(s.dropFirst(10)) }
                if s.hasPrefix("DEVICE=") { r.device = String(s.dropFirst(7)) }
            }
            out.append(r)
            idx += len
            seq += 1
        }
        return out
    }
}
