import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// A record of truth/kmsg.txt (`prio,seq,usec,flags;text`, text escaped as
/// /dev/kmsg does: non-printable bytes and backslash as \xNN).
struct KmsgRecord {
    var priority: Int, seq: UInt64, usec: UInt64
    var text: String
    var subsystem: String?, device: String?

    static func parse(_ file: String) -> [KmsgRecord] {
        var out: [KmsgRecord] = []
        for line in file.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix(" ") {
                // Dictionary lines of the previous record.
                let kv = line.dropFirst()
                if kv.hasPrefix("SUBSYSTEM=") { out[out.count - 1].subsystem = String(kv.dropFirst(10)) }
                if kv.hasPrefix("DEVICE=") { out[out.count - 1].device = String(kv.dropFirst(7)) }
                continue
            }
            guard let semi = line.firstIndex(of: ";") else { continue }
            let head = line[..<semi].split(separator: ",")
            out.append(KmsgRecord(priority: Int(head[0])!, seq: UInt64(head[1])!, usec: UInt64(head[2])!,
                                  text: unescape(String(line[line.index(after: semi)...]))))
        }
        return out
    }

    /// Undoes /dev/kmsg's `\xNN` escaping (kernel/printk/printk.c devkmsg_read).
    static func unescape(_ s: String) -> String {
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 3 < u.count, u[i + 1] == UInt8(ascii: "x"),
               let b = UInt8(String(decoding: u[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
                bytes.append(b)
                i += 4
            } else {
                bytes.append(u[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The kernel log read from the dump against the guest's own /dev/kmsg and
/// `dmesg -r` taken seconds before the crash.
@Suite struct KernelLogTests {
    static func log(_ file: String, set: String = Fixtures.sysrq) throws -> KernelLog {
        try KernelLog(kernel: try Kernel.open(path: try Fixtures.path(set, file)))
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func everyKmsgRecordIsInTheDumpWithTheSameSeqTimeLevelFacilityAndText(file: String) throws {
        let log = try Self.log(file)
        #expect(log.format == .ringBuffer)
        let bySeq = Dictionary(log.records.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        let truth = KmsgRecord.parse(try Fixtures.truth(Fixtures.sysrq, "kmsg.txt"))
        #expect(truth.count == 347)
        var matching = 0
        for t in truth {
            let r = try #require(bySeq[t.seq], "seq \(t.seq) missing")
            #expect(r.text == t.text, "text of seq \(t.seq)")
            #expect(r.tsNs.map { $0 / 1000 } == t.usec, "timestamp of seq \(t.seq)")
            #expect(r.syslogPriority == t.priority, "priority of seq \(t.seq)")
            #expect(r.subsystem == t.subsystem && r.device == t.device, "dictionary of seq \(t.seq)")
            if r.text == t.text && r.tsNs.map({ $0 / 1000 }) == t.usec && r.syslogPriority == t.priority { matching += 1 }
        }
        #expect(matching == truth.count)
    }
}
