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
/// byte is never used; its length must also match `__stop_BTF - __start_BTF`.
/// The file is the blob, then its parsed index (record offsets and name
/// table, `BTFTypeInfo.persistentIndex()`), the index's length, and a
/// fingerprint of all of it, so a warm start maps it and parses nothing.
/// Failing to read or write it is not an error: kdsql then reads the dump as
/// before. The dump itself is never written.
struct BTFCache {
    let path: String?
    /// At most this many copies are kept (the most recently used), and at
    /// most `maxBytes` in all: a distribution kernel's BTF is 4-6 MiB, and a
    /// machine that triages dumps of many builds would otherwise keep them all
    /// (with its index a copy is about 15% larger than the blob).
    static let keep = 8
    static let maxBytes: Int64 = 64 << 20

    /// `fingerprint` is the dump's `storedBytesFingerprint` of the BTF pages:
    /// a copy is keyed by it as well as by the build, so one made from a
    /// damaged dump of the same build is never found for another dump.
    init(buildID: String?, fingerprint: UInt64?, directory: String? = nil) {
        guard getenv("KDSQL_NO_CACHE") == nil, LocalCache.isBuildID(buildID), let buildID, let fingerprint else { path = nil; return }
        let name = buildID + "-" + String(fingerprint, radix: 16) + ".btf"
        path = directory.map { $0 + "/" + name } ?? LocalCache.path(kind: "btf", name: name)
    }

    /// A cached copy: the blob, and the parsed index stored after it
    /// (`BTFTypeInfo.persistentIndex()`), both inside one read-only mapping.
    struct Copy {
        let file: MappedFile
        let blob: UnsafeRawBufferPointer
        let index: UnsafeRawBufferPointer
    }

    /// The cached copy, mapped read-only, if the file holds exactly `count`
    /// blob bytes, an index, the index's length and the fingerprint of all
    /// that (a copy damaged on disk, or written by an older kdsql, is not
    /// used). Mapped rather than read: the pages are the kernel's page
    /// cache, shared by every kdsql process, where reading would copy them
    /// into fresh memory (two thirds of a warm start's page faults). Copies
    /// are replaced by rename, never rewritten in place, so a mapped one
    /// cannot shrink under the reader.
    func load(count: Int) -> Copy? {
        guard let path, let file = try? MappedFile(path: path), let base = file.base,
              file.size >= UInt64(count) + 16 else { return nil }
        let size = Int(file.size)
        let indexLength = Int(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: size - 16, as: UInt64.self)))
        guard indexLength == size - 16 - count else { return nil }
        let stored = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: size - 8, as: UInt64.self))
        var fp = Fingerprint()
        fp.add(UnsafeRawBufferPointer(start: base, count: size - 8))
        guard stored == fp.value else { return nil }
        LocalCache.touch(path)
        return Copy(file: file, blob: UnsafeRawBufferPointer(start: base, count: count),
                    index: UnsafeRawBufferPointer(start: base + count, count: indexLength))
    }

    /// Writes the blob and its index atomically (temporary file, then rename).
    func store(_ bytes: [UInt8], index: [UInt8]) {
        guard let path else { return }
        var fp = Fingerprint()
        var tail = index
        withUnsafeBytes(of: UInt64(index.count).littleEndian) { tail += $0 }
        var all = bytes
        all += tail
        all.withUnsafeBytes { fp.add($0) }
        LocalCache.writeAtomically(path, mode: "wb") { f in
            var written = all.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            written += withUnsafeBytes(of: fp.value.littleEndian) { fwrite($0.baseAddress, 1, 8, f) }
            return written == all.count + 8
        }
        if let directory = LocalCache.directory(of: path) {
            LocalCache.prune(directory: directory, suffix: ".btf", keep: Self.keep, maxBytes: Self.maxBytes)
        }
    }
}
