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
        guard getenv("KDSQL_NO_CACHE") == nil, let buildID, !buildID.isEmpty, buildID.allSatisfy(\.isHexDigit) else {
            path = nil
            return
        }
        var dir: String
        if let xdg = getenv("XDG_CACHE_HOME"), xdg.pointee != 0 {
            dir = String(cString: xdg)
        } else if let home = getenv("HOME") {
            dir = String(cString: home) + "/.cache"
        } else {
            path = nil
            return
        }
        path = dir + "/kdsql/kallsyms/" + buildID + ".layout"
    }

    func load(kaslrOffset: UInt64) -> KallsymsLayout? {
        guard let path, let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var fields: [String: UInt64] = [:]
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(cString: line).filter { $0 != "\n" }
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
        let dir = String(path[..<path.lastIndex(of: "/")!])
        var partial = ""
        for component in dir.split(separator: "/") {
            partial += "/" + component
            mkdir(partial, 0o755)
        }
        let temporary = path + ".\(getpid()).tmp"
        guard let f = fopen(temporary, "w") else { return }
        let ok = fputs(text, f) >= 0
        fclose(f)
        if ok { rename(temporary, path) } else { unlink(temporary) }
    }
}
