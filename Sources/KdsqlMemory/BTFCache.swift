@preconcurrency import Glibc
import KdsqlDump

/// A local copy of a kernel build's BTF blob, keyed by VMCOREINFO BUILD-ID.
///
/// The blob (4 MiB for a distribution kernel) is the same for every dump of
/// one build, yet reading it out of a compressed dump costs ~70% of a fresh
/// process's work. The copy lives in `$XDG_CACHE_HOME/kdsql/btf` (default
/// `~/.cache/kdsql/btf`); `KDSQL_NO_CACHE=1` turns it off. It is never trusted
/// blindly: its name holds a hash of every stored (still compressed) byte of
/// the dump's BTF pages, computed from the dump each time without
/// decompressing, so a copy made from a dump whose BTF pages differ in any
/// byte is never used; its length must also match `__stop_BTF - __start_BTF`. Failing to read or write it is not an
/// error: kdsql then reads the dump as before. The dump itself is never written.
struct BTFCache {
    let path: String?

    /// `fingerprint` is the dump's `storedBytesFingerprint` of the BTF pages:
    /// a copy is keyed by it as well as by the build, so one made from a
    /// damaged dump of the same build is never found for another dump.
    init(buildID: String?, fingerprint: UInt64?, directory: String? = nil) {
        guard getenv("KDSQL_NO_CACHE") == nil, LocalCache.isBuildID(buildID), let buildID, let fingerprint else { path = nil; return }
        let name = buildID + "-" + String(fingerprint, radix: 16) + ".btf"
        path = directory.map { $0 + "/" + name } ?? LocalCache.path(kind: "btf", name: name)
    }

    /// The cached bytes, if the file holds exactly `count` bytes followed by
    /// the fingerprint of those bytes (a copy damaged on disk is not used).
    func load(count: Int) -> [UInt8]? {
        guard let path, let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        // Not zero-filled first: fread overwrites it, and a short read is refused below.
        var n = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: count + 8) { buffer, initialized in
            n = fread(buffer.baseAddress, 1, count + 8, f)
            if n < count + 8 { buffer.baseAddress!.advanced(by: n).initialize(repeating: 0, count: count + 8 - n) }
            initialized = count + 8
        }
        // One byte more than expected means another blob: not ours.
        guard n == count + 8, fgetc(f) == EOF else { return nil }
        let stored = bytes[count...].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        bytes.removeLast(8)
        var fp = Fingerprint()
        bytes.withUnsafeBytes { fp.add($0) }
        guard UInt64(littleEndian: stored) == fp.value else { return nil }
        return bytes
    }

    /// Writes the blob atomically (temporary file, then rename).
    func store(_ bytes: [UInt8]) {
        guard let path else { return }
        var fp = Fingerprint()
        bytes.withUnsafeBytes { fp.add($0) }
        LocalCache.writeAtomically(path, mode: "wb") { f in
            var written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            written += withUnsafeBytes(of: fp.value.littleEndian) { fwrite($0.baseAddress, 1, 8, f) }
            return written == bytes.count + 8
        }
    }
}
