import Testing
@testable import KdsqlKernel

/// The logs of kernels we have no dump of, built in memory from the kernel
/// sources' declarations.
@Suite struct PrintkLegacyLogTests {
    /// v5.4 kernel/printk/printk.c with CONFIG_PRINTK_CALLER:
    /// `struct printk_log { u64 ts_nsec; u16 len; u16 text_len; u16 dict_len;
    /// u8 facility; u8 flags:5; u8 level:3; u32 caller_id; }` — 24 bytes with
    /// __aligned(8) padding (LOG_ALIGN).
    static let v54 = PrintkLogLayout(headerSize: 24, tsNsec: 0, len: 8, textLen: 10, dictLen: 12, facility: 14,
                                     level: BitfieldLayout(offset: 15, shift: 5, bits: 3),
                                     flags: BitfieldLayout(offset: 15, shift: 0, bits: 5), callerID: 16)

    struct Rec { var ts: UInt64; var level: Int; var facility: Int; var caller: UInt32; var text: String; var dict: String }

    /// Writes a record at `idx` (log_store(): header, text, dict, padding to 8); returns its length.
    static func store(_ r: Rec, into b: inout [UInt8], at idx: Int) -> Int {
        let L = v54
        let dict = Array(r.dict.utf8).map { $0 == UInt8(ascii: "|") ? 0 : $0 }
        let size = L.headerSize + r.text.utf8.count + dict.count
        let len = (size + 7) & ~7
        b.put(r.ts, at: idx + L.tsNsec, size: 8)
        b.put(UInt64(len), at: idx + L.len, size: 2)
        b.put(UInt64(r.text.utf8.count), at: idx + L.textLen, size: 2)
        b.put(UInt64(dict.count), at: idx + L.dictLen, size: 2)
        b[idx + L.facility!] = UInt8(r.facility)
        b[idx + 15] = UInt8(r.level) << 5
        b.put(UInt64(r.caller), at: idx + L.callerID!, size: 4)
        b.put(r.text, at: idx + L.headerSize)
        for (i, c) in dict.enumerated() { b[idx + L.headerSize + r.text.utf8.count + i] = c }
        return len
    }

    @Test func walksFromFirstIdxAcrossTheEndOfBufferMarker() throws {
        var buffer = [UInt8](repeating: 0, count: 200)
        let a = Rec(ts: 1_000, level: 6, facility: 0, caller: 1, text: "oldest record", dict: "")
        let b = Rec(ts: 2_000, level: 3, facility: 0, caller: 0x8000_0001, text: "acpi thing",
                    dict: "SUBSYSTEM=acpi|DEVICE=+acpi:PNP0A03:00")
        let c = Rec(ts: 3_000, level: 4, facility: 1, caller: 212, text: "kdsql-marker: beta", dict: "")
        let first = 136
        let lenA = Self.store(a, into: &buffer, at: first)
        let lenB = Self.store(b, into: &buffer, at: 0)
        // B did not fit after A: log_store() left len == 0 there and wrapped to 0.
        #expect(first + lenA + lenB > buffer.count)
        let lenC = Self.store(c, into: &buffer, at: lenB)
        #expect(lenB + lenC <= first)
        let log = PrintkLegacyLog(buffer: buffer, firstIndex: UInt32(first), firstSeq: 40, nextSeq: 43, layout: Self.v54)
        let records = try log.records()
        #expect(records.map(\.seq) == [40, 41, 42])
        #expect(records.map(\.text) == [a.text, b.text, c.text])
        #expect(records.map(\.tsNs) == [1_000, 2_000, 3_000])
        #expect(records.map(\.level) == [6, 3, 4])
        #expect(records.map(\.facility) == [0, 0, 1])
        #expect(records.map(\.callerTid) == [1, nil, 212])
        #expect(records[1].callerCPU == 1)
        #expect(records[1].subsystem == "acpi" && records[1].device == "+acpi:PNP0A03:00")
        #expect(records[0].subsystem == nil)
    }

    @Test func aRecordLongerThanTheBufferIsACorruptionError() {
        var buffer = [UInt8](repeating: 0, count: 64)
        buffer.put(UInt64(200), at: Self.v54.len, size: 2)
        let log = PrintkLegacyLog(buffer: buffer, firstIndex: 0, firstSeq: 0, nextSeq: 5, layout: Self.v54)
        #expect(throws: (any Error).self) { try log.records() }
    }

    @Test func readsGlobalsThroughTheMemorySeam() throws {
        var buffer = [UInt8](repeating: 0, count: 64)
        _ = Self.store(Rec(ts: 5, level: 2, facility: 0, caller: 7, text: "hello", dict: ""), into: &buffer, at: 0)
        var globals = [UInt8](repeating: 0, count: 64)
        globals.put(0x9000, at: 0, size: 8)   // log_buf
        globals.put(64, at: 8, size: 4)       // log_buf_len
        globals.put(0, at: 16, size: 4)       // log_first_idx
        globals.put(3, at: 24, size: 8)       // log_first_seq
        globals.put(4, at: 32, size: 8)       // log_next_seq
        let symbols: [String: UInt64] = ["log_buf": 0x100, "log_buf_len": 0x108, "log_first_idx": 0x110,
                                         "log_first_seq": 0x118, "log_next_seq": 0x120]
        let memory = ByteRegionMemory([(0x100, globals), (0x9000, buffer)])
        let log = try PrintkLegacyLog(memory: memory, layout: Self.v54, address: {
            guard let a = symbols[$0] else { throw Missing() }
            return a
        })
        #expect(try log.records().map(\.text) == ["hello"])
        #expect(try log.records().map(\.seq) == [3])
    }

    /// VMCOREINFO exports log_buf, log_buf_len, log_first_idx and log_next_idx
    /// but not the seq globals: the walk then runs from first to next idx.
    @Test func withoutSeqGlobalsTheWalkStopsAtLogNextIdx() throws {
        var buffer = [UInt8](repeating: 0, count: 128)
        let lenA = Self.store(Rec(ts: 1, level: 6, facility: 0, caller: 1, text: "a", dict: ""), into: &buffer, at: 0)
        let lenB = Self.store(Rec(ts: 2, level: 6, facility: 0, caller: 1, text: "b", dict: ""), into: &buffer, at: lenA)
        // A stale record after log_next_idx must not be read.
        _ = Self.store(Rec(ts: 3, level: 6, facility: 0, caller: 1, text: "stale", dict: ""), into: &buffer, at: lenA + lenB)
        var globals = [UInt8](repeating: 0, count: 32)
        globals.put(0x9000, at: 0, size: 8)                 // log_buf
        globals.put(128, at: 8, size: 4)                    // log_buf_len
        globals.put(0, at: 12, size: 4)                     // log_first_idx
        globals.put(UInt64(lenA + lenB), at: 16, size: 4)   // log_next_idx
        let symbols: [String: UInt64] = ["log_buf": 0x100, "log_buf_len": 0x108, "log_first_idx": 0x10c, "log_next_idx": 0x110]
        let memory = ByteRegionMemory([(0x100, globals), (0x9000, buffer)])
        let log = try PrintkLegacyLog(memory: memory, layout: Self.v54, address: {
            guard let a = symbols[$0] else { throw Missing() }
            return a
        })
        #expect(try log.records().map(\.text) == ["a", "b"])
    }
    struct Missing: Error {}
}

/// The pre-3.5 character buffer (kernel/printk.c v3.4).
@Suite struct PrintkCharLogTests {
    @Test func aBufferThatNeverWrappedIsReadFromTheStart() {
        let text = "<6>[    0.000000] Linux version 3.4.0\n<4>[    1.500000] warning one\n"
        var buffer = [UInt8](repeating: 0, count: 128)
        buffer.put(text, at: 0)
        let records = PrintkCharLog(buffer: buffer, logEnd: UInt64(text.utf8.count)).records()
        #expect(records.map(\.text) == ["Linux version 3.4.0", "warning one"])
        #expect(records.map(\.level) == [6, 4])
        #expect(records.map(\.tsNs) == [0, 1_500_000_000])
        #expect(records.map(\.seq) == [0, 1])
    }

    @Test func aWrappedBufferStartsAfterTheFirstPartialLine() {
        // log_end counts every character ever written; the buffer keeps the last 64.
        let stream = "<6>[    0.100000] first line that will be overwritten\n<3>[    2.000000] second\n<14>third from user\n"
        let size = 64
        var buffer = [UInt8](repeating: 0, count: size)
        for (i, b) in stream.utf8.enumerated() { buffer[i % size] = b }
        let records = PrintkCharLog(buffer: buffer, logEnd: UInt64(stream.utf8.count)).records()
        #expect(records.map(\.text) == ["second", "third from user"])
        #expect(records.map(\.level) == [3, 6])
        #expect(records.map(\.facility) == [0, 1])
        #expect(records.map(\.tsNs) == [2_000_000_000, nil])
    }

    @Test func continuationTextStaysOnItsLine() {
        // printk(KERN_INFO "a"); printk(KERN_CONT "b\n") writes "<6>ab\n" in v3.4.
        var buffer = [UInt8](repeating: 0, count: 32)
        buffer.put("<6>ab\n<6>c\n", at: 0)
        #expect(PrintkCharLog(buffer: buffer, logEnd: 11).records().map(\.text) == ["ab", "c"])
    }
}
