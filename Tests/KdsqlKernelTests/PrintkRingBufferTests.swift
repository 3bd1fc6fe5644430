import Testing
import FixtureSupport
import KdsqlDebugInfo
import KdsqlMemory
@testable import KdsqlKernel

/// Little-endian writes into a byte array (test construction helper).
extension Array where Element == UInt8 {
    mutating func put(_ v: UInt64, at: Int, size: Int) {
        for i in 0..<size { self[at + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * i)) }
    }
    mutating func put(_ s: String, at: Int) {
        for (i, b) in s.utf8.enumerated() { self[at + i] = b }
    }
}

/// The 5.10+ ring buffer on a ring built in memory: wrap-around, the four
/// descriptor states and data-less records, which the fixture (a young,
/// unwrapped log) cannot exercise.
@Suite struct PrintkRingBufferTests {
    /// The fixture kernel's layout as its VMCOREINFO exports it, plus the
    /// bitfields from printk_ringbuffer.h (`u16 text_len; u8 facility;
    /// u8 flags:5; u8 level:3;`), which VMCOREINFO leaves out.
    static func layout() throws -> PrintkRingBufferLayout {
        var l = try PrintkRingBufferLayout(vmcoreinfo: VMCoreInfo(text: try Fixtures.truth(Fixtures.sysrq, "vmcoreinfo.txt")))
        l.facility = l.textLen + 2
        l.flags = BitfieldLayout(offset: l.textLen + 3, shift: 0, bits: 5)
        l.level = BitfieldLayout(offset: l.textLen + 3, shift: 5, bits: 3)
        return l
    }

    static let prb: UInt64 = 0x1000, descs: UInt64 = 0x2000, infos: UInt64 = 0x3000, data: UInt64 = 0x8000
    static let countBits = 3, sizeBits = 6   // 8 descriptors, 64 bytes of text

    struct Desc { var id: UInt64; var state: UInt64; var begin: UInt64; var next: UInt64; var text: String? }

    /// Lays out a ring with descriptors `descs` (ids tail...head) and text blocks at their lpos.
    static func ring(tail: UInt64, head: UInt64, _ ds: [Desc]) throws -> PrintkRingBuffer {
        let L = try layout()
        var header = [UInt8](repeating: 0, count: 128)
        header.put(UInt64(countBits), at: L.descRing + L.countBits, size: 4)
        header.put(descs, at: L.descRing + L.descs, size: 8)
        header.put(infos, at: L.descRing + L.infos, size: 8)
        header.put(head, at: L.descRing + L.headID, size: 8)
        header.put(tail, at: L.descRing + L.tailID, size: 8)
        header.put(UInt64(sizeBits), at: L.textDataRing + L.sizeBits, size: 4)
        header.put(data, at: L.textDataRing + L.data, size: 8)
        var descBytes = [UInt8](repeating: 0, count: L.descSize << countBits)
        var infoBytes = [UInt8](repeating: 0, count: L.infoSize << countBits)
        var dataBytes = [UInt8](repeating: 0, count: 1 << sizeBits)
        for d in ds {
            let slot = Int(d.id) & ((1 << countBits) - 1)
            descBytes.put(d.state << 62 | d.id, at: slot * L.descSize + L.stateVar, size: 8)
            descBytes.put(d.begin, at: slot * L.descSize + L.textBlkLpos + L.lposBegin, size: 8)
            descBytes.put(d.next, at: slot * L.descSize + L.textBlkLpos + L.lposNext, size: 8)
            let info = slot * L.infoSize
            infoBytes.put(d.id &+ 100, at: info + L.seq, size: 8)
            infoBytes.put(d.id &* 1000, at: info + L.tsNsec, size: 8)
            infoBytes.put(UInt64(d.text?.utf8.count ?? 0), at: info + L.textLen, size: 2)
            infoBytes[info + L.facility!] = 1
            infoBytes[info + L.level!.offset] = UInt8(d.id % 8) << 5
            infoBytes.put(d.id & 0xffff_ffff, at: info + L.callerID!, size: 4)
            if let t = d.text, let r = PrintkRingBuffer.textRange(begin: d.begin, next: d.next, sizeBits: sizeBits) {
                dataBytes.put(d.id, at: Int(r.lowerBound) - 8, size: 8)
                dataBytes.put(t, at: Int(r.lowerBound))
            }
        }
        let memory = ByteRegionMemory([(prb, header), (descs, descBytes), (infos, infoBytes), (data, dataBytes)])
        return PrintkRingBuffer(memory: memory, layout: L, address: prb)
    }

    static let reusable: UInt64 = 3, finalized: UInt64 = 2, committed: UInt64 = 1, reserved: UInt64 = 0

    @Test func readsCommittedAndFinalizedRecordsAcrossTheWrapAndSkipsReservedAndReusable() throws {
        // Second wrap of a 64-byte ring: id 5's text (lpos 72) was overwritten by id 7's, so 5 is reusable.
        let ring = try Self.ring(tail: 5, head: 10, [
            Desc(id: 5, state: Self.reusable, begin: 72, next: 96, text: nil),
            Desc(id: 6, state: Self.committed, begin: 96, next: 112, text: "beta!!"),
            // Wraps: starts at lpos 112 (index 48), continues at index 0 up to lpos 152 (index 24).
            Desc(id: 7, state: Self.finalized, begin: 112, next: 152, text: "gamma wraps"),
            Desc(id: 8, state: Self.finalized, begin: PrintkRingBuffer.noLpos, next: PrintkRingBuffer.noLpos, text: nil),
            Desc(id: 9, state: Self.finalized, begin: PrintkRingBuffer.failedLpos, next: PrintkRingBuffer.failedLpos, text: nil),
            Desc(id: 10, state: Self.reserved, begin: 152, next: 168, text: "writing"),
        ])
        let records = try ring.records()
        #expect(records.map(\.seq) == [106, 107, 108, 109])
        #expect(records.map(\.text) == ["beta!!", "gamma wraps", "", nil])
        #expect(records.map(\.state) == ["committed", "finalized", "finalized", "finalized"])
        #expect(records.map(\.tsNs) == [6000, 7000, 8000, 9000])
        #expect(records.map(\.level) == [6, 7, 0, 1])
        #expect(records.allSatisfy { $0.facility == 1 })
        #expect(records.map(\.callerTid) == [6, 7, 8, 9])
    }

    @Test func aDescriptorHoldingAnOlderIdIsNotARecord() throws {
        // Slot 6 still holds id 14 - 8 = 6 while the walk expects 14 (desc_miss).
        let ring = try Self.ring(tail: 13, head: 14, [
            Desc(id: 13, state: Self.finalized, begin: 64, next: 80, text: "new"),
            Desc(id: 6, state: Self.finalized, begin: 80, next: 96, text: "stale"),
        ])
        #expect(try ring.records().map(\.text) == ["new"])
    }

    /// A garbage head_id used to give an empty log (and NULL panic fields):
    /// the records are found by scanning the descriptors instead, and the
    /// damage is reported.
    @Test func aGarbageHeadIdIsRepairedByScanningTheDescriptors() throws {
        var ds: [Desc] = []
        for id in UInt64(20)...27 { ds.append(Desc(id: id, state: Self.finalized, begin: PrintkRingBuffer.noLpos, next: PrintkRingBuffer.noLpos, text: nil)) }
        let ring = try Self.ring(tail: 20, head: 0x1234_5678_9abc, ds)
        var notes: [String] = []
        #expect(try ring.records { notes.append($0) }.map(\.seq) == Array(UInt64(120)...127))
        #expect(notes.count == 1 && notes[0].contains("inconsistent"))
    }

    /// A garbage head_id within one lap of the tail passed for a short ring:
    /// the records after it vanished without a word. The descriptor after
    /// the head holding a newer id gives it away.
    @Test func aStaleHeadIdWithinOneLapIsDetectedAndRepaired() throws {
        var ds: [Desc] = []
        for id in UInt64(20)...27 { ds.append(Desc(id: id, state: Self.finalized, begin: PrintkRingBuffer.noLpos, next: PrintkRingBuffer.noLpos, text: nil)) }
        let ring = try Self.ring(tail: 20, head: 22, ds)
        var notes: [String] = []
        #expect(try ring.records { notes.append($0) }.map(\.seq) == Array(UInt64(120)...127))
        #expect(notes.count == 1 && notes[0].contains("inconsistent"))
    }

    @Test func aHeadSlotOfAnotherIdIsDetected() throws {
        var ds: [Desc] = []
        for id in UInt64(20)...25 { ds.append(Desc(id: id, state: Self.finalized, begin: PrintkRingBuffer.noLpos, next: PrintkRingBuffer.noLpos, text: nil)) }
        // head_id 26 within the lap, but its slot (2) holds no descriptor of 26 or 18.
        let ring = try Self.ring(tail: 20, head: 26, ds)
        var notes: [String] = []
        #expect(try ring.records { notes.append($0) }.map(\.seq) == Array(UInt64(120)...125))
        #expect(notes.count == 1)
    }

    /// A consistent ring raises nothing, a reservation in flight included.
    @Test func aConsistentRingReportsNoDamage() throws {
        var ds: [Desc] = []
        for id in UInt64(20)...27 { ds.append(Desc(id: id, state: Self.finalized, begin: PrintkRingBuffer.noLpos, next: PrintkRingBuffer.noLpos, text: nil)) }
        var notes: [String] = []
        #expect(try Self.ring(tail: 20, head: 27, ds).records { notes.append($0) }.count == 8)
        // Before the first lap completes: ids from DESC0_ID = -(count + 1),
        // slots after the head never used (all zeros).
        let idMask = ~(UInt64(3) << 62), desc0 = idMask - 8
        let early = (1...3).map { Desc(id: (desc0 &+ UInt64($0)) & idMask, state: Self.finalized,
                                       begin: PrintkRingBuffer.noLpos, next: PrintkRingBuffer.noLpos, text: nil) }
        #expect(try Self.ring(tail: early[0].id, head: early[2].id, early).records { notes.append($0) }.count == 3)
        #expect(notes.isEmpty)
    }

    @Test func aTailMoreThanOneLapBehindReadsOnlyTheNewestLap() throws {
        var ds: [Desc] = []
        for id in UInt64(20)...27 { ds.append(Desc(id: id, state: Self.finalized, begin: PrintkRingBuffer.noLpos, next: PrintkRingBuffer.noLpos, text: nil)) }
        let ring = try Self.ring(tail: 3, head: 27, ds)
        #expect(try ring.records().map(\.seq) == Array(UInt64(120)...127))
    }

    /// The two sources of the layout — BTF and the kernel's own VMCOREINFO
    /// lines — describe the same structs.
    @Test func btfAndVmcoreinfoLayoutsAgree() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let b = try PrintkRingBufferLayout(btf: kernel), v = try PrintkRingBufferLayout(vmcoreinfo: kernel.vmcoreinfo)
        let pairs: [(Int, Int)] = [(b.descRing, v.descRing), (b.textDataRing, v.textDataRing), (b.countBits, v.countBits),
                                   (b.descs, v.descs), (b.infos, v.infos), (b.headID, v.headID), (b.tailID, v.tailID),
                                   (b.descSize, v.descSize), (b.stateVar, v.stateVar), (b.textBlkLpos, v.textBlkLpos),
                                   (b.lposBegin, v.lposBegin), (b.lposNext, v.lposNext), (b.infoSize, v.infoSize),
                                   (b.seq, v.seq), (b.tsNsec, v.tsNsec), (b.textLen, v.textLen),
                                   (b.sizeBits, v.sizeBits), (b.data, v.data), (b.headLpos, v.headLpos), (b.tailLpos, v.tailLpos)]
        for (i, p) in pairs.enumerated() { #expect(p.0 == p.1, "field \(i)") }
        #expect(b.callerID == v.callerID)
        #expect(b.subsystem?.offset == v.subsystem?.offset && b.subsystem?.length == v.subsystem?.length)
        #expect(b.device?.offset == v.device?.offset && b.device?.length == v.device?.length)
        // Only BTF knows the bitfields; they sit right after text_len as the header declares.
        #expect(b.facility == b.textLen + 2 && b.level?.offset == b.textLen + 3 && b.level?.shift == 5 && b.level?.bits == 3)
        #expect(v.level == nil)
    }

    @Test func aCorruptRingHeaderIsAnErrorNotAHugeWalk() throws {
        let good = try Self.ring(tail: 1, head: 2, [])
        var header = try good.memory.read(Self.prb, count: 128)
        header.put(40, at: good.layout.descRing + good.layout.countBits, size: 4)   // 2^40 descriptors
        let memory = ByteRegionMemory([(Self.prb, header)])
        let ring = PrintkRingBuffer(memory: memory, layout: good.layout, address: Self.prb)
        #expect(throws: MemoryError.self) { try ring.records() }
    }

    @Test func textRangeFollowsGetData() {
        // Regular block: after the 8-byte ID, up to next.
        #expect(PrintkRingBuffer.textRange(begin: 64 + 8, next: 64 + 32, sizeBits: 6) == 16..<32)
        // Wrapped block: data at index 0 (after the ID) up to next's index.
        #expect(PrintkRingBuffer.textRange(begin: 112, next: 152, sizeBits: 6) == 8..<24)
        // Data-less: NO_LPOS is an empty record, FAILED_LPOS a lost one.
        #expect(PrintkRingBuffer.textRange(begin: 3, next: 3, sizeBits: 6) == 0..<0)
        #expect(PrintkRingBuffer.textRange(begin: 1, next: 1, sizeBits: 6) == nil)
        // Illegal: more than one wrap apart, misaligned, or too short for the ID.
        #expect(PrintkRingBuffer.textRange(begin: 0, next: 200, sizeBits: 6) == nil)
        #expect(PrintkRingBuffer.textRange(begin: 4, next: 20, sizeBits: 6) == nil)
        #expect(PrintkRingBuffer.textRange(begin: 64, next: 64, sizeBits: 6) == nil)
    }
}
