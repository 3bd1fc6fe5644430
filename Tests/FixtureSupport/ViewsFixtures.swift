/// The fixture sets the kernel-view tables (memory, slab, signals, swap,
/// IPC, devices, cgroups, namespaces, neighbours, locks, IRQs) run on.
extension Fixtures {
    /// The views workload on 6.1 (`views`) is the only set whose truth/
    /// records those views; this is its dump.
    public static let viewsDump = "vmcore-mdf-d31-zlib.kdump"

    /// One dump per kernel generation present: the views set and the plain
    /// sysrq sets of 6.1 and 6.12. Tests that check invariants (every table
    /// answers, counts add up) run on all of them.
    public static let kernelDumps: [String] = [
        views + "/vmcore-mdf-d31-zlib.kdump",
        sysrq + "/vmcore-mdf-d31-zlib.kdump",
        sysrq612 + "/vmcore-mdf-d23-zlib.kdump",
    ]

    /// Path of a "set/file" entry of `kernelDumps`.
    public static func path(_ setAndFile: String) throws -> String {
        let parts = setAndFile.split(separator: "/", maxSplits: 1).map(String.init)
        return try path(parts[0], parts[1])
    }

    /// A views truth file's lines.
    public static func viewsLines(_ name: String) throws -> [String] {
        try truth(views, name).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}
