import KdsqlMemory
import KdsqlDebugInfo

/// Reads bytes of kernel virtual memory. The printk parsers read through this
/// instead of `Kernel` so that tests can feed them records built in memory
/// (the 3.5–5.9 and pre-3.5 formats cannot be tested on our 6.1 fixtures).
public protocol LogMemory {
    func read(_ address: UInt64, count: Int) throws -> [UInt8]
}

extension Kernel: LogMemory {}

extension Kernel {
    /// A printk global: from the symbol table, else from VMCOREINFO, which
    /// exports the log's symbols so that dump tools without kallsyms-all or
    /// System.map can find them (log_buf_vmcoreinfo_setup(), kernel/printk/printk.c).
    func logSymbol(_ name: String) -> UInt64? {
        symbols.address(of: name) ?? vmcoreinfo.symbol(name)
    }

    func requireLogSymbol(_ name: String) throws -> UInt64 {
        guard let a = logSymbol(name) else { throw DebugInfoError.unknownSymbol(name) }
        return a
    }
}

extension LogMemory {
    func u64(_ a: UInt64) throws -> UInt64 { LogBytes.unsigned(try read(a, count: 8), 0, 8) }
    func u32(_ a: UInt64) throws -> UInt32 { UInt32(LogBytes.unsigned(try read(a, count: 4), 0, 4)) }
}

/// Little-endian integer decoding from byte arrays (x86_64 dumps only).
enum LogBytes {
    static func unsigned(_ b: [UInt8], _ at: Int, _ size: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in stride(from: min(size, 8) - 1, through: 0, by: -1) where at + i < b.count {
            v = v << 8 | UInt64(b[at + i])
        }
        return v
    }

    /// A NUL-terminated string inside a fixed array (`char subsystem[16]`).
    static func cString(_ b: [UInt8], _ at: Int, _ size: Int) -> String {
        guard at < b.count else { return "" }
        let end = min(b.count, at + size)
        let slice = b[at..<end]
        return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// Disjoint byte regions at virtual addresses: a stand-in for a dump when
/// tests construct log buffers of kernel versions we have no dump of.
public struct ByteRegionMemory: LogMemory {
    public var regions: [(base: UInt64, bytes: [UInt8])]
    public init(_ regions: [(base: UInt64, bytes: [UInt8])]) { self.regions = regions }

    public func read(_ address: UInt64, count: Int) throws -> [UInt8] {
        for r in regions where address >= r.base && address - r.base + UInt64(count) <= UInt64(r.bytes.count) {
            let start = Int(address - r.base)
            return Array(r.bytes[start..<(start + count)])
        }
        throw MemoryError.unmapped(virtualAddress: address, level: "test region")
    }
}

/// One kernel log record, whichever buffer format it came from.
public struct LogRecord: Equatable, Sendable {
    /// Sequence number: the kernel's own (printk_info.seq, /dev/kmsg's second
    /// field) for structured logs; the line index for the pre-3.5 text buffer.
    public var seq: UInt64
    /// local_clock() at the time of printk, in ns (nil when not recorded).
    public var tsNs: UInt64?
    /// Syslog level 0–7 and facility (0 = kernel, 1 = LOG_USER for /dev/kmsg
    /// writes); nil when the layout of these bitfields is unknown.
    public var level: Int?
    public var facility: Int?
    /// Internal record flags (LOG_NEWLINE 2, LOG_CONT 8; kernel/printk/printk.c).
    public var flags: Int?
    /// printk_caller_id(): a thread id, or 0x80000000 | cpu when printed
    /// outside task context (kernel/printk/printk.c).
    public var callerID: UInt32?
    /// Record text without the trailing newline. Lines printed with
    /// KERN_CONT are already joined by the kernel; a record can still hold
    /// several lines separated by "\n" (dmesg prints each with the record's prefix).
    /// nil when the descriptor is valid but its text was overwritten.
    public var text: String?
    /// Device dictionary (dev_printk): `SUBSYSTEM=` and `DEVICE=`.
    public var subsystem: String?
    public var device: String?
    /// "finalized" / "committed" for the 5.10+ ring buffer, nil otherwise.
    public var state: String?

    public init(seq: UInt64, tsNs: UInt64? = nil, level: Int? = nil, facility: Int? = nil, flags: Int? = nil,
                callerID: UInt32? = nil, text: String?, subsystem: String? = nil, device: String? = nil,
                state: String? = nil) {
        self.seq = seq
        self.tsNs = tsNs
        self.level = level
        self.facility = facility
        self.flags = flags
        self.callerID = callerID
        self.text = text
        self.subsystem = subsystem
        self.device = device
        self.state = state
    }

    static let callerCPUBit: UInt32 = 0x8000_0000

    /// The thread that printed the record (nil when printed from IRQ/NMI context).
    public var callerTid: Int? {
        guard let id = callerID, id & Self.callerCPUBit == 0 else { return nil }
        return Int(id)
    }

    /// The CPU that printed the record outside task context.
    public var callerCPU: Int? {
        guard let id = callerID, id & Self.callerCPUBit != 0 else { return nil }
        return Int(id & ~Self.callerCPUBit)
    }

    /// The syslog prefix number (`<N>` in `dmesg -r`): facility * 8 + level.
    public var syslogPriority: Int? {
        guard let level else { return nil }
        return (facility ?? 0) * 8 + level
    }

    /// The lines dmesg prints for this record (one per embedded newline).
    public var lines: [String] {
        guard let text else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// `[   11.120891]` as printk's print_time() formats it.
    public static func formatTimestamp(_ ns: UInt64) -> String {
        let secs = String(ns / 1_000_000_000)
        let usecs = String((ns % 1_000_000_000) / 1000)
        return "[" + String(repeating: " ", count: max(0, 5 - secs.count)) + secs + "."
            + String(repeating: "0", count: max(0, 6 - usecs.count)) + usecs + "]"
    }

    /// What `dmesg -r` prints for this record: `<14>[    2.641530] text`, one line per text line.
    public var dmesgRawLines: [String] {
        let prefix = (syslogPriority.map { "<\($0)>" } ?? "") + (tsNs.map { Self.formatTimestamp($0) + " " } ?? "")
        return lines.map { prefix + $0 }
    }
}

/// Which buffer format a kernel keeps its log in.
public enum KernelLogFormat: String, Sendable {
    /// 5.10+: lockless printk_ringbuffer (kernel/printk/printk_ringbuffer.c).
    case ringBuffer = "printk_ringbuffer"
    /// 3.5–5.9: variable-length `struct printk_log` records in log_buf.
    case structured = "printk_log"
    /// Before 3.5: a plain character buffer of `<N>[time] text\n` lines.
    case characters = "log_buf"
}

/// The kernel log of a dump (crash's `log`, dmesg): detects the buffer format
/// from the symbols the kernel has and returns the records oldest first.
public struct KernelLog {
    public let format: KernelLogFormat
    public let records: [LogRecord]

    public init(kernel: Kernel) throws {
        if kernel.logSymbol("prb") != nil {
            format = .ringBuffer
            records = try PrintkRingBuffer(kernel: kernel).records { note in
                kernel.warnings.note(note, at: nil, cause: "inconsistent printk ring buffer")
            }
        } else if kernel.logSymbol("log_first_idx") != nil {
            format = .structured
            records = try PrintkLegacyLog(kernel: kernel).records()
        } else if kernel.logSymbol("log_end") != nil {
            format = .characters
            records = try PrintkCharLog(kernel: kernel).records()
        } else {
            throw MemoryError.missing("no kernel log found: the kernel has none of the symbols prb (5.10+), log_first_idx (3.5–5.9) or log_end (< 3.5)")
        }
    }

    public init(format: KernelLogFormat, records: [LogRecord]) {
        self.format = format
        self.records = records
    }
}
