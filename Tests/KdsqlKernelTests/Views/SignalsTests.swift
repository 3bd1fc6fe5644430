import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Signal masks and handlers against /proc/PID/status (truth/signals.csv)
/// and what kdsql-signals set up (truth/signal-handlers.txt).
@Suite struct SignalsTests {
    static func hex(_ s: String?) -> UInt64? { s.flatMap { $0.isEmpty ? nil : UInt64($0, radix: 16) } }

    /// Every task of the truth has SigBlk, SigIgn, SigCgt, SigPnd and ShdPnd
    /// bit for bit (PID 1 was running the capture and is not compared).
    @Test(arguments: Fixtures.viewsSets) func masksOfEveryTaskMatchProcStatus(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let signals = try Signals(kernel: kernel)
        var byPid: [Int64: UInt64] = [:]
        for t in try tasks.all() { byPid[try tasks.pid(t)] = t }
        var compared = 0
        for r in try Fixtures.truthCSV(set, "signals.csv") where r["pid"] != "1" {
            guard let t = byPid[Int64(r["pid"]!)!] else { continue }
            let s = try signals.state(task: t)
            let who = "pid \(r["pid"]!) \(r["comm"]!)"
            // A mask the capture did not get (a status line lost on the
            // emulated serial port: one kthread's SigIgn in one 5.10 run) is not compared.
            if let v = Self.hex(r["SigBlk"]) { #expect(s.blocked == v, "\(who) SigBlk") }
            if let v = Self.hex(r["SigIgn"]) { #expect(s.ignored == v, "\(who) SigIgn") }
            if let v = Self.hex(r["SigCgt"]) { #expect(s.caught == v, "\(who) SigCgt") }
            if let p = Self.hex(r["SigPnd"]) { #expect(s.pending == p, "\(who) SigPnd") }
            if let v = Self.hex(r["ShdPnd"]) { #expect(s.sharedPending == v, "\(who) ShdPnd") }
            compared += [r["SigBlk"], r["SigIgn"], r["SigCgt"], r["ShdPnd"]].allSatisfy { Self.hex($0) != nil } ? 1 : 0
        }
        #expect(compared > 140)
    }

    /// kdsql-signals (truth/signal-handlers.txt): SIGINT and SIGQUIT ignored,
    /// SIGUSR1 ignored with SA_RESTORER, SIGUSR2 caught by its handler with
    /// SIGINT masked, 33 caught by glibc; SIGTERM pending on the main thread, SIGHUP and 40 on the process.
    @Test(arguments: Fixtures.viewsSets) func handlersOfTheSignalsWorkloadAreWhatItInstalled(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let task = try #require(try tasks.lookup(pid: try ViewsWorkload(set).signalsPid).first)
        let s = try Signals(kernel: kernel).state(task: task)
        #expect(s.actions.count == 64)
        var expected: [Int: (String, UInt64, UInt64, UInt64)] = [:]
        for line in try Fixtures.viewsLines(set, "signal-handlers.txt") where line.hasPrefix("sig=") {
            var kv: [String: String] = [:]
            for w in line.split(separator: " ") { let p = w.split(separator: "=", maxSplits: 1); kv[String(p[0])] = String(p[1]) }
            let handler = kv["handler"]!.hasPrefix("SIG_IGN") ? UInt64(1) : UInt64(kv["handler"]!.dropFirst(2), radix: 16)!
            expected[Int(kv["sig"]!)!] = (handler == 1 ? "ignore" : "handler", handler,
                                          UInt64(kv["flags"]!.dropFirst(2), radix: 16)!, UInt64(kv["mask"]!.dropFirst(2), radix: 16)!)
        }
        #expect(expected.count == 4)
        for a in s.actions {
            if let (d, h, f, m) = expected[a.signal] {
                #expect(a.disposition == d && a.handler == h && a.flags == f && a.mask == m, "signal \(a.signal)")
            } else if a.signal == 33 {
                // glibc's SIGSETXID handler, installed by its first pthread_create (SigCgt bit 32).
                #expect(a.disposition == "handler", "signal 33")
            } else {
                #expect(a.disposition == "default", "signal \(a.signal)")
            }
        }
        #expect(s.actions[14].name == "SIGTERM" && s.actions[14].pending && s.actions[14].blocked)
        #expect(s.actions[0].sharedPending && s.actions[39].sharedPending && s.actions[39].name == "SIGRTMIN+8")
    }

    @Test(arguments: Fixtures.kernelDumps)
    func kernelThreadsIgnoreEverythingOnEveryKernel(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let tasks = try Tasks(kernel: kernel)
        let signals = try Signals(kernel: kernel)
        // kthreadd ignores all signals (kernel/kthread.c: ignore_signals()).
        let kthreadd = try #require(try tasks.lookup(pid: 2).first)
        #expect(try signals.state(task: kthreadd).ignored == ~0)
        for t in try tasks.all() {
            let s = try signals.state(task: t)
            #expect(s.ignored & s.caught == 0)
        }
    }
}
