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
        // The record count differs on every generated run; the truth itself says how many.
        #expect(truth.count > 100, "truth/kmsg.txt has too few records to be a boot log")
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

extension KernelLogTests {
    /// The three /dev/kmsg markers of the scenario, as dmesg.txt records them.
    static func truthMarkers() throws -> [(priority: Int, text: String)] {
        var out: [(priority: Int, text: String)] = []
        for line in try Fixtures.truth(Fixtures.sysrq, "dmesg.txt").split(separator: "\n") where line.contains("kdsql-marker:") {
            guard let textStart = line.firstRange(of: "] ")?.upperBound,
                  let priority = Int(line.dropFirst().prefix { $0 != ">" }) else { continue }
            out.append((priority, String(line[textStart...])))
        }
        return out
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func theThreeMarkersAppearWithTheirLevelsAndFacilityUser(file: String) throws {
        let log = try Self.log(file)
        let markers = try Self.truthMarkers()
        #expect(markers.count == 3)
        for m in markers {
            let r = try #require(log.records.first { $0.text == m.text }, "\(m.text) missing")
            // dmesg -r prints facility * 8 + level; the README: LOG_USER (1), levels 6/4/3.
            #expect(r.facility == m.priority / 8)
            #expect(r.level == m.priority % 8)
            #expect(r.facility == 1)
            // The README's scenario: PID 1 (bash) writes them with its builtin echo.
            #expect(r.callerTid == 1)
        }
        #expect(markers.map { $0.priority % 8 } == [6, 4, 3])
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func dmesgRawLinesReproduceTruthDmesgLineByLine(file: String) throws {
        let log = try Self.log(file)
        let truth = try Fixtures.truth(Fixtures.sysrq, "dmesg.txt").split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.isEmpty }
        let lastSeq = KmsgRecord.parse(try Fixtures.truth(Fixtures.sysrq, "kmsg.txt")).last!.seq
        let ours = log.records.filter { $0.seq <= lastSeq }.flatMap(\.dmesgRawLines)
        #expect(ours.count == truth.count)
        var matching = 0
        for (a, b) in zip(ours, truth) {
            #expect(a == b)
            if a == b { matching += 1 }
        }
        // Every truth line must match (the count comes from this fixture's dmesg.txt, not one run).
        #expect(truth.count > 100)
        #expect(matching == truth.count)
    }

    /// Records written after the truth snapshot are the console's last lines:
    /// serial.log (ttyS0, console loglevel 7 = levels 0–6) after the gamma marker.
    @Test(arguments: Fixtures.sysrqDumps)
    func recordsAfterTheSnapshotAreTheConsolesLastLinesIncludingThePanic(file: String) throws {
        let log = try Self.log(file)
        let lastSeq = KmsgRecord.parse(try Fixtures.truth(Fixtures.sysrq, "kmsg.txt")).last!.seq
        let serial = try Fixtures.text(try Fixtures.path(Fixtures.sysrq, "serial.log")).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        let gamma = try #require(serial.lastIndex { $0.hasSuffix("kdsql-marker: gamma") })
        let console = serial[(gamma + 1)...].filter { $0.hasPrefix("[") }
        let ours = log.records.filter { $0.seq > lastSeq && ($0.level ?? 0) < 7 }
            .flatMap { r in r.lines.map { LogRecord.formatTimestamp(r.tsNs!) + " " + $0 } }
        #expect(ours == Array(console))
        #expect(console.contains { $0.hasSuffix("Kernel panic - not syncing: sysrq triggered crash") })
        #expect(ours.last?.hasSuffix("---[ end Kernel panic - not syncing: sysrq triggered crash ]---") == true)
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func thePanicRecordWasPrintedByTheCrasherTask(file: String) throws {
        let log = try Self.log(file)
        let crash = try Fixtures.truth(Fixtures.sysrq, "crash.txt")
        let pid = Int(crash.split(separator: "\n").first { $0.hasPrefix("panic_pid=") }!.dropFirst(10))!
        let panic = try #require(log.records.last { $0.text?.hasPrefix("Kernel panic - not syncing") == true })
        #expect(panic.callerTid == pid)
        #expect(panic.callerCPU == nil)
    }

    @Test func readingTheWholeLogIsFast() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31.elf"))
        let clock = ContinuousClock()
        var count = 0
        let elapsed = try clock.measure { count = try KernelLog(kernel: kernel).records.count }
        // More records than the snapshot: the panic lines were logged after it.
        #expect(count > KmsgRecord.parse(try Fixtures.truth(Fixtures.sysrq, "kmsg.txt")).count)
        #expect(elapsed < .seconds(1))
    }
}

extension KernelLogTests {
    @Test func oopsDumpLogHasEveryKmsgRecordAndEndsWithTheConsolesOopsAndPanic() throws {
        let log = try Self.log("vmcore-mdf-d31-zlib.kdump", set: Fixtures.oops)
        let bySeq = Dictionary(log.records.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        let truth = KmsgRecord.parse(try Fixtures.truth(Fixtures.oops, "kmsg.txt"))
        let matching = truth.filter { t in
            bySeq[t.seq].map { $0.text == t.text && $0.syslogPriority == t.priority && $0.tsNs! / 1000 == t.usec } ?? false
        }
        #expect(matching.count == truth.count)
        // console-panic.txt starts at the module's taint message and runs to the end of the log.
        let console = try Fixtures.truth(Fixtures.oops, "console-panic.txt").split(separator: "\n").map(String.init)
        let ours = log.records.filter { ($0.level ?? 0) < 7 }
            .flatMap { r in r.lines.map { LogRecord.formatTimestamp(r.tsNs!) + " " + $0 } }
        #expect(Array(ours.suffix(console.count)) == console)
    }
}
