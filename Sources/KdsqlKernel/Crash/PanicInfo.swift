import KdsqlMemory
import KdsqlDebugInfo

/// Why and where the kernel died (crash's `PANIC:` line and `bt`'s first
/// frame), from memory where the kernel keeps it and from the log otherwise:
///
/// | value        | source |
/// |--------------|--------|
/// | message      | log: `Kernel panic - not syncing: <message>` (panic()'s buffer is a function-local static) |
/// | cpu          | memory: `panic_cpu` (kernel/panic.c); else the log's `CPU:` line |
/// | task         | memory: `runqueues[cpu].curr` |
/// | pid, comm    | memory: the task; else the log's `CPU: n PID: p Comm: c` line |
/// | ipSymbol     | log: the Oops's `RIP:` line, else panic()'s caller in the call trace dump_stack() printed |
/// | ip           | memory: ipSymbol's function resolved through the dump's kallsyms + offset |
/// | oops         | log: the Oops that led to the panic (see OopsReport) |
public struct PanicInfo: Sendable {
    public var message: String?
    /// Seq and time of the `Kernel panic` record.
    public var seq: UInt64?
    public var tsNs: UInt64?
    public var cpu: Int?
    public var task: UInt64?
    public var pid: Int?
    public var comm: String?
    public var ipSymbol: SymbolPosition?
    public var ip: UInt64?
    public var oops: OopsReport?
    /// Column → where its value came from ("memory: panic_cpu", "log", ...).
    public var sources: [String: String] = [:]

    /// What crash's `sys` prints after `PANIC:`: the Oops header line when an
    /// Oops led to the panic, else the panic string.
    public var sysPanic: String? {
        oops?.headline ?? message
    }

    static let panicPrefix = "Kernel panic - not syncing: "

    /// The log-only part: panic message, the Oops that caused it, panic()'s caller.
    public init(records: [LogRecord]) {
        let oopses = OopsReport.find(in: records)
        guard let pi = records.lastIndex(where: { $0.text?.hasPrefix(Self.panicPrefix) == true }) else {
            // No panic() in the log: with a capture kernel loaded an Oops goes
            // straight to crash_kexec() from oops_end() (arch/x86/kernel/dumpstack.c),
            // so the Oops line is the message, as crash's PANIC: line shows.
            // (Also a dump of a live system, which has neither.)
            oops = oopses.last
            if let oops {
                take(oops)
                message = oops.headline
                seq = oops.seq
                tsNs = oops.tsNs
                sources["message"] = "log: the Oops line (no panic() call)"
            }
            return
        }
        let panic = records[pi]
        message = String(panic.text!.dropFirst(Self.panicPrefix.count))
        seq = panic.seq
        tsNs = panic.tsNs
        sources["message"] = "log"
        // panic() prints its own stack with dump_stack() unless an Oops
        // already did (test_taint(TAINT_DIE), kernel/panic.c): a panic that
        // prints no call trace of its own and follows an Oops is that Oops's
        // panic_on_oops panic ("Fatal exception", arch/x86/kernel/dumpstack.c oops_end()).
        let trace = Self.panicCaller(records: records, after: pi)
        if let last = oopses.last(where: { $0.seq < panic.seq }), trace.sawTrace == false || message!.hasPrefix("Fatal exception") {
            oops = last
            take(last)
        } else {
            if let cpuLine = trace.cpuLine {
                var scratch = OopsReport(seq: 0, headline: "", kind: "")
                scratch.parseCPULine(cpuLine)
                cpu = scratch.cpu
                pid = scratch.pid
                comm = scratch.comm
                for c in ["cpu", "pid", "comm"] { sources[c] = "log" }
            }
            ipSymbol = trace.caller
            if ipSymbol != nil { sources["ip_symbol"] = "log: panic()'s caller in the call trace" }
        }
    }

    private mutating func take(_ o: OopsReport) {
        cpu = o.cpu
        pid = o.pid
        comm = o.comm
        ipSymbol = o.ip
        for c in ["cpu", "pid", "comm"] where o.cpu != nil { sources[c] = "log" }
        if o.ip != nil { sources["ip_symbol"] = "log: the Oops's RIP line" }
    }

    /// Functions that print or implement the panic itself, skipped when
    /// looking for the frame that called panic() (lib/dump_stack.c, kernel/panic.c).
    static let panicMachinery: Set<String> = [
        "dump_stack", "dump_stack_lvl", "show_stack", "show_trace_log_lvl", "panic", "vpanic", "nmi_panic",
        "__warn", "check_panic_on_warn",
    ]

    /// The call trace printed after the panic record: its `CPU:` line and the
    /// first reliable frame (no `? `) that is not panic/dump_stack machinery.
    static func panicCaller(records: [LogRecord], after pi: Int) -> (sawTrace: Bool, cpuLine: String?, caller: SymbolPosition?) {
        var cpuLine: String?
        var saw = false
        var k = pi + 1
        while k < records.count, k <= pi + 200, let t = records[k].text {
            if t.hasPrefix("---[ end Kernel panic") || t.hasPrefix(panicPrefix) { break }
            if cpuLine == nil, t.hasPrefix("CPU: ") { cpuLine = t }
            if t.hasPrefix("Call Trace:") { saw = true }
            if saw, t.hasPrefix(" "), !t.hasPrefix(" ?"), !t.hasPrefix(" <"),
               let frame = SymbolPosition.parse(t.drop { $0 == " " }), !panicMachinery.contains(frame.function) {
                return (true, cpuLine, frame)
            }
            k += 1
        }
        return (saw, cpuLine, nil)
    }

    /// Log analysis plus what memory knows: panic_cpu, the task running on it,
    /// and the address of the faulting/panicking instruction.
    public init(kernel: Kernel, log: KernelLog? = nil) throws {
        self.init(records: try (log ?? KernelLog(kernel: kernel)).records)
        // PANIC_CPU_INVALID is -1 (include/linux/panic.h); panic_cpu is an atomic_t.
        if let pc = try? kernel.readI32(try kernel.address(of: "panic_cpu")), pc >= 0 {
            if let cpu, cpu != Int(pc) { sources["cpu_log"] = "log says CPU \(cpu)" }
            cpu = Int(pc)
            sources["cpu"] = "memory: panic_cpu"
        }
        if let cpu, let tasks = try? Tasks(kernel: kernel), let t = try? tasks.activeTasks()[cpu], t != 0 {
            task = t
            sources["task"] = "memory: runqueues[\(cpu)].curr"
            if let p = try? tasks.pid(t), let c = try? tasks.comm(t) {
                pid = Int(p)
                comm = c
                sources["pid"] = "memory: task_struct.pid"
                sources["comm"] = "memory: task_struct.comm"
            }
        }
        if let s = ipSymbol, s.module == nil, let base = kernel.symbols.address(of: s.function) {
            ip = base &+ s.offset
            sources["ip"] = "memory: kallsyms address of \(s.function) + offset"
        }
    }
}
