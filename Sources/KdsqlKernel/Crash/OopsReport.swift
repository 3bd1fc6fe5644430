/// A function position as the kernel prints it with %pS/%pB:
/// `kdsql_oops_write+0x5/0x1000 [kdsql_oops]`.
public struct SymbolPosition: Equatable, Sendable {
    public var function: String
    public var offset: UInt64
    public var size: UInt64?
    public var module: String?

    /// `function+0xoff/0xsize` (crash's and the kernel's spelling).
    public var text: String {
        "\(function)+0x\(String(offset, radix: 16))" + (size.map { "/0x\(String($0, radix: 16))" } ?? "")
    }

    /// Parses `name+0xoff[/0xsize][ [module]]`; nil for a bare address.
    public static func parse(_ s: Substring) -> SymbolPosition? {
        let words = s.split(separator: " ")
        guard let first = words.first, let plus = first.lastIndex(of: "+") else { return nil }
        let name = first[..<plus]
        let rest = first[first.index(after: plus)...].split(separator: "/")
        func hex(_ t: Substring) -> UInt64? { t.hasPrefix("0x") ? UInt64(t.dropFirst(2), radix: 16) : nil }
        guard !name.isEmpty, let off = rest.first.flatMap(hex) else { return nil }
        var p = SymbolPosition(function: String(name), offset: off, size: rest.count > 1 ? hex(rest[1]) : nil)
        if words.count > 1, words[1].hasPrefix("["), words[1].hasSuffix("]") {
            p.module = String(words[1].dropFirst().dropLast())
        }
        return p
    }
}

/// An Oops as the kernel printed it into the log: die()'s header
/// (`Oops: 0002 [#1] PREEMPT SMP NOPTI`, arch/x86/kernel/dumpstack.c
/// __die_header), the lines page_fault_oops()/show_fault_oops() print before
/// it (`BUG: ...`, `#PF: ...`, arch/x86/mm/fault.c) and show_regs() after it
/// (`CPU: 0 PID: 213 Comm: insmod ...`, `RIP: 0010:sym+off/size`, the final
/// `CR2: ...` summary). Every value here comes from the log text.
public struct OopsReport: Equatable, Sendable {
    /// Seq and time of the header record.
    public var seq: UInt64
    public var tsNs: UInt64?
    /// The header line, e.g. `Oops: 0002 [#1] PREEMPT SMP NOPTI`.
    public var headline: String
    /// The die() string: `Oops`, `general protection fault`, `invalid opcode`, ...
    public var kind: String
    public var errorCode: UInt64?
    public var dieCounter: Int?
    /// x86 trap vector (X86_TRAP_* in arch/x86/include/asm/trapnr.h) the die() string stands for.
    public var trap: Int?
    /// The `BUG: ...` line before the header, if any.
    public var bug: String?
    /// CR2: the executive-summary `CR2:` line, else the address on the BUG line.
    public var faultAddress: UInt64?
    public var cpu: Int?
    public var pid: Int?
    public var comm: String?
    /// `Not tainted` or `Tainted: G           OE     ` from the CPU line.
    public var taintText: String?
    /// The faulting instruction from the first kernel-mode `RIP:` line.
    public var ip: SymbolPosition?
    /// The CPU line said `Kdump: loaded` (a capture kernel was armed).
    public var kdumpLoaded: Bool?

    /// The error code as page-fault bits (only meaningful when trap == 14).
    public var pageFault: PageFaultErrorCode? {
        guard trap == 14, let errorCode else { return nil }
        return PageFaultErrorCode(errorCode)
    }

    /// die() strings of arch/x86/kernel/traps.c and arch/x86/mm/fault.c → trap vector.
    static let trapByKind: [(prefix: String, trap: Int)] = [
        ("Oops", 14), ("divide error", 0), ("int3", 3), ("overflow", 4), ("bounds", 5), ("invalid opcode", 6),
        ("device not available", 7), ("double fault", 8), ("coprocessor segment overrun", 9), ("invalid TSS", 10),
        ("segment not present", 11), ("stack segment", 12), ("general protection fault", 13),
        ("coprocessor error", 16), ("alignment check", 17), ("SIMD coprocessor error", 19),
        ("control protection fault", 21),
    ]

    /// Parses `<str>: <4 hex digits> [#<n>]<flags>`; nil for any other line.
    static func parseHeader(_ text: String) -> (kind: String, code: UInt64, counter: Int)? {
        guard let bracket = text.firstRange(of: " [#") else { return nil }
        let before = text[..<bracket.lowerBound]
        guard let colon = before.ranges(of: ": ").last else { return nil }
        let code = before[colon.upperBound...]
        guard code.count == 4, let c = UInt64(code, radix: 16) else { return nil }
        let after = text[bracket.upperBound...]
        guard let close = after.firstIndex(of: "]"), let n = Int(after[..<close]) else { return nil }
        return (kind(dieString: before[..<colon.lowerBound]), c, n)
    }

    /// The die() string's <what>: since 6.12 __die_header() prints
    /// `Oops: %s: %04lx [#%d]` (arch/x86/kernel/dumpstack.c), so the first
    /// `Oops: ` is the kernel's prefix, not the kind; and a GPF's string goes
    /// on with `, probably for non-canonical address 0x...` (arch/x86/kernel/traps.c).
    static func kind(dieString s: Substring) -> String {
        var what = s
        if what.hasPrefix("Oops: ") { what = what.dropFirst("Oops: ".count) }
        if let comma = what.firstRange(of: ", ") { what = what[..<comma.lowerBound] }
        return String(what)
    }

    /// Parses a trailing hex number (`... address: 0000000000000000`).
    static func trailingHex(_ s: Substring) -> UInt64? {
        let word = s.split(separator: " ").last ?? ""
        return UInt64(word.hasPrefix("0x") ? word.dropFirst(2) : word, radix: 16)
    }

    /// Every Oops in the log, oldest first.
    public static func find(in records: [LogRecord]) -> [OopsReport] {
        var out: [OopsReport] = []
        for (i, r) in records.enumerated() {
            guard let text = r.text, let h = parseHeader(text) else { continue }
            var o = OopsReport(seq: r.seq, tsNs: r.tsNs, headline: text, kind: h.kind, errorCode: h.code, dieCounter: h.counter)
            o.trap = trapByKind.first { h.kind == $0.prefix }?.trap
            // Before the header: back to the previous Oops, at most 10 records.
            var j = i - 1
            while j >= 0, j >= i - 10, let t = records[j].text, parseHeader(t) == nil {
                if t.hasPrefix("BUG: ") && o.bug == nil {
                    o.bug = t
                    if let a = t.firstRange(of: "address: ") { o.faultAddress = trailingHex(t[a.upperBound...]) }
                }
                j -= 1
            }
            // After it: up to the end-of-trace marker or the next Oops.
            var k = i + 1
            var summaryCR2: UInt64?
            while k < records.count, k <= i + 300, let t = records[k].text, parseHeader(t) == nil {
                if t.hasPrefix("---[ end trace") { break }
                if o.cpu == nil, t.hasPrefix("CPU: ") { o.parseCPULine(t) }
                if o.ip == nil, t.hasPrefix("RIP: "), let colon = t.firstIndex(of: ":").map({ t.index(after: $0) }) {
                    // `RIP: 0010:sym+off/size [mod]`: CS 0010 is kernel mode; user RIPs are `0033:0x...`.
                    let body = t[colon...].drop { $0 == " " }
                    if body.hasPrefix("0010:") { o.ip = SymbolPosition.parse(body.dropFirst(5)) }
                }
                // page_fault_oops()'s executive summary is a record of its own:
                // `CR2: 0000000000000000` (the register dump's CR2 line carries CR3/CR4 too).
                if t.hasPrefix("CR2: "), !t.contains("CR3"), let a = trailingHex(t.dropFirst(5)) { summaryCR2 = a }
                k += 1
            }
            if let summaryCR2 { o.faultAddress = summaryCR2 }
            out.append(o)
        }
        return out
    }

    /// `CPU: 0 PID: 213 Comm: insmod Tainted: G           OE      6.1.0-56-cloud-amd64 #1 ...`
    /// (lib/dump_stack.c dump_stack_print_info: `CPU: %d PID: %d Comm: %.20s %s%s %s %.*s`).
    mutating func parseCPULine(_ t: String) {
        let w = t.split(separator: " ", omittingEmptySubsequences: true)
        if w.count > 1 { cpu = Int(w[1]) }
        if let p = w.firstIndex(of: "PID:"), p + 1 < w.count { pid = Int(w[p + 1]) }
        if let c = t.firstRange(of: " Comm: ") {
            let rest = t[c.upperBound...]
            if let end = rest.firstRange(of: " Not tainted") ?? rest.firstRange(of: " Tainted: ") {
                // A kernel with a capture kernel loaded prints `Kdump: loaded `
                // between comm and the taint (lib/dump_stack.c, 6.x kexec_crash_loaded()).
                let name = rest[..<end.lowerBound]
                comm = String(name.hasSuffix(" Kdump: loaded") ? name.dropLast(" Kdump: loaded".count) : name)
                kdumpLoaded = name.hasSuffix(" Kdump: loaded")
                let after = rest[end.lowerBound...].dropFirst()
                if after.hasPrefix("Not tainted") {
                    taintText = "Not tainted"
                } else {
                    // One letter or space per flag (print_tainted()), then a space
                    // and the release, which starts with a digit: keep the letters exactly.
                    let field = after.dropFirst("Tainted: ".count).prefix { $0 == " " || ("A"..."Z").contains($0) }
                    var letters = field
                    while letters.hasSuffix(" ") { letters = letters.dropLast() }
                    taintText = "Tainted: " + letters
                }
            }
        }
    }
}
