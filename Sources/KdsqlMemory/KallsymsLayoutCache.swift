@preconcurrency import Glibc
import KdsqlDebugInfo

/// Where a kernel build's kallsyms tables were found by KallsymsLocator,
/// remembered by VMCOREINFO BUILD-ID so the next dump of the same build skips
/// the search of the kernel image (most of a pre-6.0 kernel's open time).
///
/// The file (`$XDG_CACHE_HOME/kdsql/kallsyms/<build-id>.layout`, default
/// `~/.cache/kdsql/kallsyms`; `KDSQL_NO_CACHE=1` turns it off) holds the
/// addresses without the KASLR slide, so every boot of the build can use it.
/// It is never trusted blindly: the tables it points at are decoded and must
/// give VMCOREINFO's own addresses (KallsymsLoader.check), else kdsql searches
/// again. Failing to read or write it is not an error.
struct KallsymsLayoutCache {
    let path: String?

    /// A cache file at an explicit path (tests).
    init(path: String) { self.path = path }

    init(buildID: String?) {
        path = LocalCache.isBuildID(buildID) ? LocalCache.path(kind: "kallsyms", name: buildID! + ".layout") : nil
    }

    func load(kaslrOffset: UInt64) -> KallsymsLayout? {
        guard let path, let f = fopen(path, "r") else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        fclose(f)
        let contents = String(decoding: bytes, as: UTF8.self)
        var fields: [String: UInt64] = [:]
        for text in contents.split(separator: "\n") {
            let kv = text.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let v = UInt64(kv[1], radix: 16) else { continue }
            fields[String(kv[0])] = v
        }
        func va(_ key: String) -> UInt64? { fields[key].map { $0 &+ kaslrOffset } }
        guard let n = fields["num_syms"], n > 0, n < 10_000_000, let names = va("names"), let markers = va("markers"),
              let tokenTable = va("token_table"), let tokenIndex = va("token_index"), let offsets = va("offsets"),
              let kind = fields["encoding"] else { return nil }
        let encoding: KallsymsLayout.Encoding
        switch kind {
        case 0: guard let rb = va("relative_base") else { return nil }; encoding = .absolutePercpu(relativeBase: rb)
        case 1: guard let rb = va("relative_base") else { return nil }; encoding = .relative(relativeBase: rb)
        case 2: encoding = .placeRelative
        default: return nil
        }
        return KallsymsLayout(numSyms: Int(n), names: names, markers: markers, seqsOfNames: va("seqs_of_names"),
                              tokenTable: tokenTable, tokenIndex: tokenIndex, offsets: offsets, encoding: encoding,
                              origin: "kallsyms layout cache")
    }

    func store(_ l: KallsymsLayout, kaslrOffset: UInt64) {
        guard let path else { return }
        func hex(_ v: UInt64) -> String { String(v &- kaslrOffset, radix: 16) }
        var text = "num_syms=\(String(l.numSyms, radix: 16))\nnames=\(hex(l.names))\nmarkers=\(hex(l.markers))\n"
        text += "token_table=\(hex(l.tokenTable))\ntoken_index=\(hex(l.tokenIndex))\noffsets=\(hex(l.offsets))\n"
        if let s = l.seqsOfNames { text += "seqs_of_names=\(hex(s))\n" }
        switch l.encoding {
        case .absolutePercpu(let rb): text += "encoding=0\nrelative_base=\(hex(rb))\n"
        case .relative(let rb): text += "encoding=1\nrelative_base=\(hex(rb))\n"
        case .placeRelative: text += "encoding=2\n"
        }
        LocalCache.writeAtomically(path, mode: "w") { fputs(text, $0) >= 0 }
    }
}
