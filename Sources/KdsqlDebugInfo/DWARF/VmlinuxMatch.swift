/// Whether a debug vmlinux is the build that wrote a dump. DWARF offsets and
/// symbol addresses of another build look plausible and are wrong, so a
/// mismatch is refused, never warned about.
extension Vmlinux {
    /// The release in `linux_banner` ("Linux version 6.1.0-56-cloud-amd64 (...)").
    public var release: String? {
        guard let banner, banner.hasPrefix("Linux version ") else { return nil }
        return banner.dropFirst(14).split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    /// Throws `DebugInfoError.mismatch` naming the file and the first
    /// difference: VMCOREINFO `BUILD-ID` against the ELF build-id note,
    /// then `OSRELEASE` against the release in the file's `linux_banner`.
    public func checkMatches(_ vmcoreinfo: VMCoreInfo) throws {
        if let dumped = vmcoreinfo.buildID?.lowercased(), !dumped.isEmpty, let mine = buildID, !dumped.hasPrefix(mine), !mine.hasPrefix(dumped) {
            throw DebugInfoError.mismatch("vmlinux \(path) is another build than the dump: build ID \(mine), the dump's VMCOREINFO BUILD-ID is \(dumped)")
        }
        if let dumped = vmcoreinfo.osRelease, let mine = release, dumped != mine {
            throw DebugInfoError.mismatch("vmlinux \(path) is another build than the dump: release \(mine), the dump's VMCOREINFO OSRELEASE is \(dumped)")
        }
    }

    /// Compares the file's `linux_banner` with the dumped kernel's copy.
    public func checkBanner(dumped: String) throws {
        guard let banner, banner != dumped else { return }
        throw DebugInfoError.mismatch("vmlinux \(path) is another build than the dump: linux_banner differs (vmlinux: \"\(banner.trimmingNewline)\", dump: \"\(dumped.trimmingNewline)\")")
    }

    /// The stripped-vmlinux message: which Debian package has the debug one.
    public static func noDebugInfo(path: String, release: String?) -> DebugInfoError {
        let kver = release ?? "KVER"
        return .mismatch("\(path) has no DWARF debug info (no .debug_info section); the debug vmlinux of this kernel is /usr/lib/debug/boot/vmlinux-\(kver) in the package linux-image-\(kver)-dbg")
    }
}

extension String {
    fileprivate var trimmingNewline: String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
