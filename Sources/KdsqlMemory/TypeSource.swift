@preconcurrency import Glibc

/// Where the kernel's types come from.
///
/// - `btf`: the kernel's own BTF, read from the dump (CONFIG_DEBUG_INFO_BTF).
/// - `dwarf`: the DWARF of a debug vmlinux (`--vmlinux`, or, when none is
///   given, `vmlinux-OSRELEASE` found in a debug directory, which then
///   supplies the types only).
///
/// Without a choice: DWARF when a vmlinux was given, else BTF. The
/// `KDSQL_TYPES` environment variable (`dwarf` or `btf`) sets the default,
/// so a whole test run can read its types from DWARF on a BTF kernel.
public enum TypeSource: String, Sendable, CaseIterable {
    case btf, dwarf

    /// `KDSQL_TYPES`, when set to a known source.
    public static var fromEnvironment: TypeSource? {
        guard let raw = getenv("KDSQL_TYPES") else { return nil }
        return TypeSource(rawValue: String(cString: raw).lowercased())
    }
}

/// Where a debug vmlinux is looked for when DWARF is asked for without a
/// path: `$KDSQL_DEBUG_DIR` (colon-separated), then Debian's own places for
/// an installed linux-image-KVER-dbg, then kdsql's download cache.
enum DebugVmlinuxSearch {
    static func candidates(release: String) -> [String] {
        var dirs: [String] = []
        if let env = getenv("KDSQL_DEBUG_DIR") {
            dirs += String(cString: env).split(separator: ":").map(String.init)
        }
        dirs.append("/usr/lib/debug")
        if let home = getenv("HOME") { dirs.append(String(cString: home) + "/.cache/kdsql/debug/usr/lib/debug") }
        // Debian: boot/vmlinux-KVER; 6.19+ packages: lib/modules/KVER/vmlinux.
        return dirs.flatMap { ["\($0)/vmlinux-\(release)", "\($0)/boot/vmlinux-\(release)", "\($0)/lib/modules/\(release)/vmlinux"] }
    }

    static func find(release: String) -> String? {
        candidates(release: release).first { access($0, R_OK) == 0 }
    }
}
