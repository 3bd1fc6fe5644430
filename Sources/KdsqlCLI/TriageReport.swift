import KdsqlSQL

/// `kdsql DUMP --report FILE.html`: one self-contained HTML page for the
/// first look at a crash — the sys header, the panic and its Oops with every
/// error-code bit explained, the panic task's backtrace, the end of the log
/// coloured by level, task states and the largest processes as charts,
/// memory use, modules with their taint letters, and the tasks in D state
/// with their stacks. Inline CSS and SVG only: it opens offline, attached
/// to a ticket. Every section is a query; a section whose tables cannot be
/// read says why and the rest of the page is still written.
enum TriageReport {
    static func write(database: KdsqlDatabase, dumpPath: String, to path: String) throws(CLIError) {
        let out = try OutputWriter.file(path)
        out.write(render(database: database, dumpPath: dumpPath))
        out.flush()
        if let code = out.writeError {
            throw .cannotWriteOutput(path: path, reason: SystemError.describe(code))
        }
        for warning in database.drainWarnings().prefix(20) { writeStandardError("kdsql: warning: \(warning)") }
    }

    static func render(database: KdsqlDatabase, dumpPath: String) -> String {
        var page = Page(database: database)
        let title = (try? page.value("SELECT nodename || ' — ' || coalesce(panic, 'no panic') FROM sys")).flatMap { $0?.string } ?? dumpPath
        page.html += """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>kdsql triage: \(escape(title))</title>
            <style>\(style)</style></head><body>
            <header><h1>Crash triage</h1><p class="sub">\(escape(dumpPath)) · written by kdsql</p></header>
            <main>
            """
        page.section("System", id: "sys", half: true) { p in p.system() }
        page.section("Panic", id: "panic", half: true) { p in try p.panic() }
        page.section("Backtrace of the panic task", id: "bt") { p in try p.backtrace() }
        page.section("Tasks by state", id: "states", half: true) { p in try p.taskStates() }
        page.section("Largest processes (RSS)", id: "rss", half: true) { p in try p.largestProcesses() }
        page.section("Kernel log (last 40 records)", id: "log") { p in try p.logTail() }
        page.section("Memory", id: "memory") { p in try p.memory() }
        page.section("Modules and taint", id: "modules") { p in try p.modules() }
        page.section("Tasks in D state (uninterruptible)", id: "dstate") { p in try p.dState() }
        page.html += "</main></body></html>\n"
        return page.html
    }

    /// The page being built and the queries its sections run.
    struct Page {
        let database: KdsqlDatabase
        var html = ""

        /// Appends a section; an error becomes a note in it.
        mutating func section(_ title: String, id: String, half: Bool = false, _ body: (inout Page) throws -> Void) {
            html += "<section id=\"\(id)\"\(half ? " class=\"half\"" : "")><h2>\(escape(title))</h2>\n"
            // Objects a scan skipped (pages the dump lacks) leave true but
            // incomplete rows: the section says so rather than look whole.
            let warnings = database.context.kernel?.warnings
            _ = warnings?.drainSummary()
            do { try body(&self) } catch {
                html += "<p class=\"unavailable\">Not available from this dump: \(escape(String(describing: error)))</p>\n"
            }
            if let summary = warnings?.drainSummary() {
                html += "<p class=\"unavailable\">Incomplete: \(escape(summary)); what is shown could be read (see kdsql_warnings)</p>\n"
            }
            html += "</section>\n"
        }

        func rows(_ sql: String) throws -> (columns: [String], rows: [[SQLValue]]) {
            let statement = try database.prepare(sql)
            return (statement.columnNames, try statement.rows())
        }

        func value(_ sql: String) throws -> SQLValue? { try database.query(sql).first?.first }

        mutating func system() {
            let lines = SysSummary.lines(for: database)
            html += lines.isEmpty ? "<p class=\"unavailable\">No sys row.</p>" : "<pre class=\"sys\">\(escape(lines.joined(separator: "\n")))</pre>\n"
        }

        mutating func panic() throws {
            let (columns, all) = try rows("SELECT * FROM panic")
            guard let row = all.first else {
                html += "<p>The dump was not taken by a panic.</p>\n"
                return
            }
            var v: [String: SQLValue] = [:]
            for (c, x) in zip(columns, row) { v[c] = x }
            func text(_ k: String) -> String? { v[k].flatMap { $0.isNull ? nil : ValueText.plain($0, null: "") } }
            html += "<p class=\"panic\">\(escape(text("message").map { "Kernel panic - not syncing: " + $0 } ?? "panic"))</p>\n<dl>"
            func item(_ label: String, _ value: String?) {
                if let value, !value.isEmpty { html += "<dt>\(escape(label))</dt><dd>\(escape(value))</dd>" }
            }
            item("CPU", text("cpu"))
            item("Task", [text("pid").map { "pid " + $0 }, text("comm"),
                          v["task"].flatMap { if case .integer(let t) = $0 { ValueText.address(t) } else { nil } }]
                .compactMap { $0 }.joined(separator: " · "))
            item("Where", [text("ip_symbol"), text("ip_module").map { "[\($0)]" }].compactMap { $0 }.joined(separator: " "))
            item("BUG", text("bug"))
            item("Oops", text("oops"))
            item("Taint", text("taint"))
            item("In words", text("summary"))
            html += "</dl>\n"
            guard case let .integer(code)? = v["error_code"] else {
                html += "<p class=\"note\">No Oops: the kernel called panic() directly (sysrq-c, a watchdog, panic_on_*), so there is no error code to decode.</p>\n"
                return
            }
            let trap = v["trap"]?.int64
            if trap == 14 {
                let fault = v["fault_address"].flatMap { if case .integer(let a) = $0 { ValueText.address(a) } else { nil } } ?? "?"
                html += "<h3>Page-fault error code \(escape(ValueText.address(code))) at \(escape(fault)), bit by bit</h3>\n"
                html += "<p class=\"note\">arch/x86/include/asm/trap_pf.h (enum x86_pf_error_code); a set bit is highlighted.</p>\n"
                html += table(["bit", "name", "value", "meaning"], Self.pageFaultBits.map { bit in
                    let set = code & (1 << Int64(bit.bit)) != 0
                    return (set, [String(bit.bit), bit.name, set ? "1" : "0", set ? bit.set : bit.clear])
                })
            } else {
                html += "<h3>Error code \(escape(ValueText.address(code))) (trap \(trap.map(String.init) ?? "?"))</h3>\n"
                // For #GP and the segment faults the error code is a selector error code (Intel SDM vol. 3, 6.13).
                html += table(["bits", "name", "value", "meaning"], [
                    (code & 1 != 0, ["0", "EXT", String(code & 1), code & 1 != 0 ? "caused by an event external to the program (interrupt, exception)" : "raised by the program itself"]),
                    (code & 2 != 0, ["1", "IDT", String((code >> 1) & 1), code & 2 != 0 ? "the index refers to a gate in the IDT" : "the index refers to the GDT or LDT"]),
                    (code & 4 != 0, ["2", "TI", String((code >> 2) & 1), code & 4 != 0 ? "LDT" : "GDT (when IDT is 0)"]),
                    (code >> 3 != 0, ["3–15", "index", String(code >> 3), code == 0 ? "0: not a segment problem (a non-canonical address or a privileged instruction)" : "selector index"]),
                ])
            }
        }

        /// x86 page-fault error-code bits (arch/x86/include/asm/trap_pf.h).
        static let pageFaultBits: [(bit: Int, name: String, set: String, clear: String)] = [
            (0, "PROT", "protection violation on a present page", "the page was not present"),
            (1, "WRITE", "the access was a write", "the access was a read"),
            (2, "USER", "the access came from user mode", "the access came from kernel mode"),
            (3, "RSVD", "a reserved bit was set in a page-table entry", "no reserved bit set"),
            (4, "INSTR", "the access was an instruction fetch", "not an instruction fetch"),
            (5, "PK", "protection-key violation", "no protection-key violation"),
            (6, "SHSTK", "shadow-stack access", "not a shadow-stack access"),
            (15, "SGX", "SGX access-control violation", "not an SGX violation"),
        ]

        mutating func backtrace() throws {
            let (_, frames) = try rows("""
                SELECT frame, sp, pc, symbol, module, is_exception_frame, error
                FROM stack_frames WHERE task = (SELECT task FROM panic) ORDER BY frame
                """)
            guard !frames.isEmpty else { html += "<p>No frames.</p>\n"; return }
            html += table(["#", "sp", "pc", "function", "module", "note"], frames.map { f in
                let exception = f[5].int64 == 1
                return (exception, ["#" + ValueText.plain(f[0], null: ""), hex(f[1]), hex(f[2]),
                                    ValueText.plain(f[3], null: "?"), ValueText.plain(f[4], null: ""),
                                    exception ? "exception frame (pt_regs)" : ValueText.plain(f[6], null: "")])
            }, code: true)
        }

        mutating func logTail() throws {
            let (_, records) = try rows("SELECT level, line FROM (SELECT seq, level, line FROM log ORDER BY seq DESC LIMIT 40) ORDER BY seq")
            html += "<pre class=\"log\">"
            for r in records {
                let level = Int(r[0].int64 ?? 6)
                html += "<span class=\"l\(min(max(level, 0), 7))\" title=\"\(Self.levelNames[min(max(level, 0), 7)])\">\(escape(ValueText.plain(r[1], null: "")))</span>\n"
            }
            html += "</pre>\n<p class=\"legend\">" + (0...7).map { "<span class=\"l\($0)\">\(Self.levelNames[$0])</span>" }.joined(separator: " ") + "</p>\n"
        }

        static let levelNames = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

        mutating func taskStates() throws {
            let (_, r) = try rows("SELECT state, count(*) FROM tasks GROUP BY state ORDER BY count(*) DESC")
            html += barChart(r.map { (ValueText.plain($0[0], null: "?"), Double($0[1].int64 ?? 0), String($0[1].int64 ?? 0)) })
            html += "<p class=\"note\">RU running · IN sleeping · UN uninterruptible (D) · ID idle kernel threads · ZO zombie · ST stopped</p>\n"
        }

        mutating func largestProcesses() throws {
            let (_, r) = try rows("""
                SELECT pid, comm, rss_kb FROM tasks WHERE pid = tgid AND NOT is_kernel_thread ORDER BY rss_kb DESC, pid LIMIT 10
                """)
            html += barChart(r.map { ("\(ValueText.plain($0[1], null: "?")) (\(ValueText.plain($0[0], null: "")))",
                                     Double($0[2].int64 ?? 0), Self.kb($0[2].int64 ?? 0)) })
        }

        mutating func memory() throws {
            let total = try value("SELECT memory_bytes FROM sys")?.int64 ?? 0
            let (_, r) = try rows("SELECT sum(rss_anon_kb), sum(rss_file_kb), sum(rss_shmem_kb), sum(swap_kb), count(*) FROM mm")
            guard let m = r.first else { return }
            let anon = m[0].int64 ?? 0, file = m[1].int64 ?? 0, shmem = m[2].int64 ?? 0, swap = m[3].int64 ?? 0
            let totalKB = Double(total) / 1024
            html += "<p>Memory managed by the kernel: <b>\(Self.kb(total / 1024))</b>. Resident in the \(m[4].int64 ?? 0) address spaces of processes:</p>\n"
            let parts: [(String, Int64, String)] = [("anonymous", anon, "#c0392b"), ("file-backed", file, "#2980b9"), ("shared memory", shmem, "#8e44ad")]
            var x = 0.0
            var svg = "<svg class=\"stack\" viewBox=\"0 0 600 28\" role=\"img\" aria-label=\"memory use\"><rect x=\"0\" y=\"0\" width=\"600\" height=\"28\" fill=\"#eee\"/>"
            for (_, kb, colour) in parts where totalKB > 0 {
                let w = min(600 - x, Double(kb) / totalKB * 600)
                svg += "<rect x=\"\(fmt(x))\" y=\"0\" width=\"\(fmt(w))\" height=\"28\" fill=\"\(colour)\"/>"
                x += w
            }
            html += svg + "</svg>\n<p class=\"legend\">" + parts.map { name, kb, colour in
                "<span style=\"border-left:12px solid \(colour);padding-left:4px\">\(name) \(Self.kb(kb))\(totalKB > 0 ? " (" + fmt(Double(kb) / totalKB * 100) + "%)" : "")</span>"
            }.joined(separator: " ") + " · swapped out \(Self.kb(swap)). Shared pages count once per process here.</p>\n"
        }

        mutating func modules() throws {
            let (_, flags) = try rows("SELECT letter, name, description FROM taint WHERE is_set ORDER BY bit")
            if flags.isEmpty {
                html += "<p>The kernel is not tainted.</p>\n"
            } else {
                html += "<p>Kernel taint flags set:</p>\n" + table(["letter", "flag", "meaning"], flags.map { (true, $0.map { ValueText.plain($0, null: "") }) })
            }
            let (_, mods) = try rows("SELECT name, base, size, state, taint, used_by FROM modules")
            html += "<p>\(mods.count) modules loaded; those with taint letters are highlighted.</p>\n"
            html += table(["module", "base", "size", "state", "taint", "used by"], mods.map { m in
                let taint = ValueText.plain(m[4], null: "")
                return (!taint.isEmpty, [ValueText.plain(m[0], null: ""), hex(m[1]), ValueText.plain(m[2], null: ""),
                                         ValueText.plain(m[3], null: ""), taint, ValueText.plain(m[5], null: "")])
            }, code: true)
        }

        mutating func dState() throws {
            let (_, tasks) = try rows("SELECT pid, comm, task FROM tasks WHERE state = 'UN' ORDER BY pid")
            guard !tasks.isEmpty else {
                html += "<p>No task was in D state: nothing was stuck waiting on I/O or a lock.</p>\n"
                return
            }
            for t in tasks {
                guard case let .integer(task) = t[2] else { continue }
                let frames = try database.query("SELECT symbol FROM stack_frames WHERE task = \(task) ORDER BY frame")
                html += "<h3>\(escape(ValueText.plain(t[1], null: "?"))) (pid \(ValueText.plain(t[0], null: "?")), \(ValueText.address(task)))</h3>\n"
                html += "<pre class=\"stack\">" + escape(frames.map { ValueText.plain($0[0], null: "?") }.joined(separator: "\n")) + "</pre>\n"
            }
        }

        func hex(_ v: SQLValue) -> String {
            if case .integer(let i) = v { return ValueText.address(i) }
            return ValueText.plain(v, null: "")
        }

        static func kb(_ kb: Int64) -> String {
            if kb >= 1 << 20 { return fmt(Double(kb) / Double(1 << 20)) + " GiB" }
            if kb >= 1 << 10 { return fmt(Double(kb) / Double(1 << 10)) + " MiB" }
            return "\(kb) KiB"
        }
    }

    /// An HTML table; rows marked true are highlighted.
    static func table(_ header: [String], _ rows: [(Bool, [String])], code: Bool = false) -> String {
        var s = "<table\(code ? " class=\"code\"" : "")><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (marked, cells) in rows {
            s += "<tr\(marked ? " class=\"mark\"" : "")>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        return s + "</tbody></table>\n"
    }

    /// A horizontal bar chart in SVG: label, value, value as shown.
    static func barChart(_ bars: [(label: String, value: Double, shown: String)]) -> String {
        guard let top = bars.map(\.value).max(), top > 0 else { return "<p>Nothing to chart.</p>\n" }
        let rowHeight = 24, labelWidth = 170, barWidth = 260
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(labelWidth + barWidth + 90) \(bars.count * rowHeight)\" role=\"img\">"
        for (i, bar) in bars.enumerated() {
            let y = i * rowHeight
            let w = max(1, bar.value / top * Double(barWidth))
            s += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 16)\" text-anchor=\"end\">\(escape(String(bar.label.prefix(24))))</text>"
            s += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(fmt(w))\" height=\"16\" rx=\"2\" fill=\"#2f6f9f\"/>"
            s += "<text x=\"\(fmt(Double(labelWidth) + w + 6))\" y=\"\(y + 16)\">\(escape(bar.shown))</text>"
        }
        return s + "</svg>\n"
    }

    /// One decimal, without Foundation.
    static func fmt(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(abs(tenths % 10))"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                if ch.value < 0x20 && ch != "\n" && ch != "\t" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
        .sub{margin:2px 0 0;color:#aab;font-size:12px}
        main{display:flex;flex-wrap:wrap;gap:14px;padding:14px 24px;max-width:1400px}
        section{background:#fff;border-radius:6px;padding:10px 16px;box-shadow:0 1px 2px #0002;flex:1 1 100%;box-sizing:border-box;min-width:0}
        section.half{flex:1 1 420px}
        h2{font-size:15px;margin:4px 0 8px;border-bottom:1px solid #e3e5ea;padding-bottom:4px}h3{font-size:13px;margin:12px 0 4px}
        pre{font:12px/1.35 ui-monospace,"DejaVu Sans Mono",monospace;overflow-x:auto;margin:4px 0;white-space:pre}
        pre.sys{background:#f7f7f9;padding:8px}
        .panic{font-weight:600;color:#b00020;font-size:15px;margin:4px 0}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}dt{color:#667}dd{margin:0;font-family:ui-monospace,monospace;font-size:12px}
        table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{text-align:left;padding:2px 10px 2px 0;border-bottom:1px solid #eef}
        table.code td{font-family:ui-monospace,"DejaVu Sans Mono",monospace}
        tr.mark td{background:#fff3cd}
        .note,.legend{color:#667;font-size:12px}.unavailable{color:#b00020}
        pre.log{background:#101418;color:#d0d4da;padding:8px;border-radius:4px}
        .l0,.l1,.l2{color:#ff5c5c;font-weight:700}.l3{color:#ff8a65}.l4{color:#ffd54f}.l5{color:#81d4fa}.l6{color:#d0d4da}.l7{color:#8a929c}
        .legend span{margin-right:8px;padding:0 4px;border-radius:3px}.legend .l6,.legend .l7,.legend .l0,.legend .l1,.legend .l2,.legend .l3,.legend .l4,.legend .l5{background:#101418}
        svg.chart{width:100%;max-width:520px;font-size:12px}svg.stack{width:100%;max-width:600px;height:28px}
        pre.stack{background:#f7f7f9;padding:6px}
        """
}
