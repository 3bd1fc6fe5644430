import KdsqlMemory

/// The kernel log of kernels before 3.5: one character buffer `log_buf` of
/// `log_buf_len` bytes (a power of two) written circularly; `log_end` counts
/// every character ever written, so the text is the last
/// min(log_end, log_buf_len) characters ending at `log_end & (len - 1)`
/// (LOG_BUF() in kernel/printk.c, v3.4). printk() starts every line with
/// `<N>` (the level, added when the caller gave none) and, with printk_time,
/// `[%5lu.%06lu] `; KERN_CONT text simply continues the current line.
public struct PrintkCharLog {
    public var text: [UInt8]
    /// True when older text was overwritten (the first line is then partial).
    public var wrapped: Bool

    public init(buffer: [UInt8], logEnd: UInt64) {
        let len = UInt64(buffer.count)
        if len == 0 {
            text = []
            wrapped = false
        } else if logEnd <= len {
            text = Array(buffer[0..<Int(logEnd)])
            wrapped = false
        } else {
            let start = Int(logEnd % len)
            text = Array(buffer[start...] + buffer[..<start])
            wrapped = true
        }
    }

    public init(kernel: Kernel) throws {
        try self.init(memory: kernel, address: { try kernel.requireLogSymbol($0) })
    }

    public init(memory: any LogMemory, address: (String) throws -> UInt64) throws {
        let buf = try memory.u64(try address("log_buf"))
        let len = Int(try memory.u32(try address("log_buf_len")))
        guard buf != 0, len > 0, len <= PrintkLegacyLog.maxBufferBytes else {
            throw MemoryError.typeMismatch("log_buf 0x\(String(buf, radix: 16)) / log_buf_len \(len) look corrupt")
        }
        // log_end is `unsigned` (32 bits) in v3.4.
        self.init(buffer: try memory.read(buf, count: len), logEnd: UInt64(try memory.u32(try address("log_end"))))
    }

    /// One record per line; seq is the line's index in what survives.
    public func records() -> [LogRecord] {
        var lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if wrapped, !lines.isEmpty { lines.removeFirst() }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.enumerated().map { i, line in Self.parse(line: Array(line), seq: UInt64(i)) }
    }

    /// `<6>[    1.234567] text` → level 6, facility 0, ts 1234567000 ns, text.
    static func parse(line: [UInt8], seq: UInt64) -> LogRecord {
        var i = 0
        var priority: Int?
        if line.first == UInt8(ascii: "<"), let close = line.firstIndex(of: UInt8(ascii: ">")), close > 1, close < 6,
           let n = Int(String(decoding: line[1..<close], as: UTF8.self)) {
            priority = n
            i = close + 1
        }
        var ts: UInt64?
        if i < line.count, line[i] == UInt8(ascii: "["), let close = line[i...].firstIndex(of: UInt8(ascii: "]")) {
            let inner = String(decoding: line[(i + 1)..<close], as: UTF8.self).trimmingSpaces
            let parts = inner.split(separator: ".")
            if parts.count == 2, let s = UInt64(parts[0]), let us = UInt64(parts[1]), parts[1].count == 6 {
                ts = s * 1_000_000_000 + us * 1000
                i = close + 1
                if i < line.count, line[i] == UInt8(ascii: " ") { i += 1 }
            }
        }
        return LogRecord(seq: seq, tsNs: ts, level: priority.map { $0 & 7 }, facility: priority.map { $0 >> 3 },
                         text: String(decoding: line[i...], as: UTF8.self))
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
