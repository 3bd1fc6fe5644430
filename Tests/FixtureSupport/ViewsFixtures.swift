/// The fixture sets the kernel-view tables (memory, slab, signals, swap,
/// IPC, devices, cgroups, namespaces, neighbours, locks, IRQs) run on.
extension Fixtures {
    /// Every views set this run tests: the shared 6.1 one, then those of the
    /// configured generations that have one (`KDSQL_GENERATIONS`; made by
    /// `Tests/Fixtures/make-dump --kernel KVER views`). A configured set that
    /// is missing fails its tests.
    public static var viewsSets: [String] { [views] + generatedViews.map(\.views) }

    /// Configured generations with a generated views set (the 6.1 one is shared).
    static var generatedViews: [KernelGeneration] { generations.filter { $0.hasViews && $0.views != views } }

    /// The primary dump of a views set: `-d 31` before 6.10, `-d 23` from 6.10 on.
    public static func viewsDump(_ set: String) throws -> String { try compressedDump(set) }

    /// One dump per kernel generation present: every views set and the plain
    /// sysrq sets of 6.1 and 6.12. Tests that check invariants (every table
    /// answers, counts add up) run on all of them.
    public static var kernelDumps: [String] {
        [views + "/vmcore-mdf-d31-zlib.kdump"] + generatedViews.map { $0.views + "/" + $0.dump }
            + [sysrq + "/vmcore-mdf-d31-zlib.kdump", sysrq612 + "/vmcore-mdf-d23-zlib.kdump"]
    }

    /// Path of a "set/file" entry of `kernelDumps`.
    public static func path(_ setAndFile: String) throws -> String {
        let parts = setAndFile.split(separator: "/", maxSplits: 1).map(String.init)
        return try path(parts[0], parts[1])
    }

    /// A views truth file's lines.
    public static func viewsLines(_ set: String, _ name: String) throws -> [String] {
        try truth(set, name).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// The pids of the views workload's processes in one set, from its truth
/// (every boot gives them other pids).
public struct ViewsWorkload: Sendable {
    /// kdsql-signals (signal-handlers.txt `pid=`) and its second thread kdsql-sig-thr.
    public let signalsPid: Int64, signalsThreadPid: Int64
    /// The namespace holders (ns-pids.txt): kdsql-netns (own network namespace),
    /// kdsql-utsns (UTS + mount + IPC), busybox unshare and kdsql-pidns (PID namespace).
    public let netnsPid: Int64, utsnsPid: Int64, unsharePidnsPid: Int64, pidnsPid: Int64

    public init(_ set: String) throws {
        let first = try Fixtures.viewsLines(set, "signal-handlers.txt").first ?? ""
        guard let pid = first.split(separator: " ").first(where: { $0.hasPrefix("pid=") }).flatMap({ Int64($0.dropFirst(4)) }) else {
            throw Fixtures.Malformed(set: set, file: "signal-handlers.txt", why: "no pid= on the first line")
        }
        signalsPid = pid
        guard let thread = try Fixtures.truthCSV(set, "signals.csv").first(where: { $0["tgid"] == "\(pid)" && $0["pid"] != "\(pid)" }),
              let tid = Int64(thread["pid"]!) else {
            throw Fixtures.Malformed(set: set, file: "signals.csv", why: "no second thread of kdsql-signals (pid \(pid))")
        }
        signalsThreadPid = tid
        var ns: [String: Int64] = [:]
        for line in try Fixtures.viewsLines(set, "ns-pids.txt") {
            let w = line.split(separator: " ")
            if w.count == 2, let v = Int64(w[1]) { ns[String(w[0])] = v }
        }
        guard let net = ns["netns"], let uts = ns["utsns"], let unshare = ns["unshare-pidns"], let pidns = ns["pidns"] else {
            throw Fixtures.Malformed(set: set, file: "ns-pids.txt", why: "needs netns, utsns, unshare-pidns and pidns")
        }
        (netnsPid, utsnsPid, unsharePidnsPid, pidnsPid) = (net, uts, unshare, pidns)
    }
}

extension Fixtures {
    /// A views set's primary dump as a "set/file" entry (like those of `kernelDumps`).
    public static func viewsEntry(_ set: String) throws -> String {
        set + "/" + String(try compressedDump(set).split(separator: "/").last!)
    }
}
