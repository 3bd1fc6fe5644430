@preconcurrency import Glibc
import CDw

/// One kernel module object file found under `--modules-dir`: what its ELF
/// headers and notes say, nothing of its DWARF (that is read only when a
/// query needs the module's source lines, see ModuleDwarf).
public struct ModuleDebugFile: Sendable, Equatable {
    public var path: String
    /// The module's name as the kernel knows it: `.modinfo`'s `name=` (which
    /// modpost writes from KBUILD_MODNAME), else the file name without
    /// `.ko`/`.ko.debug`, with '-' turned into '_' as KBUILD_MODNAME does.
    public var name: String
    /// NT_GNU_BUILD_ID of `.note.gnu.build-id`, lower-case hex; nil when the file has none.
    public var buildID: String?
    public var hasDebugInfo: Bool
}

/// The module object files under a directory: `*.ko` and `*.ko.debug`
/// (Debian's `linux-image-KVER-dbg` ships its unstripped modules as
/// usr/lib/debug/lib/modules/KVER/kernel/**/NAME.ko; other distributions
/// split NAME.ko.debug files), indexed by module name.
///
/// Scanning reads each file's ELF header, section headers, build-id note
/// and `.modinfo` only. Files that are not x86-64 relocatable ELF objects
/// are left out with a problem line each; compressed modules (`.ko.xz`,
/// `.ko.zst`, `.ko.gz`: what /lib/modules holds on current distributions)
/// are counted in one line, since libelf reads only uncompressed files.
public struct ModuleDebugDirectory: Sendable {
    public let path: String
    /// Files with DWARF, by module name (several when the tree has copies).
    public private(set) var files: [String: [ModuleDebugFile]] = [:]
    /// Why files were left out, one line each (shown as warnings).
    public private(set) var problems: [String] = []
    /// Module files without `.debug_info` (stripped ones, as /lib/modules has).
    public private(set) var strippedCount = 0
    public private(set) var compressedCount = 0

    /// Deepest directory nesting followed (a Debian tree is 6 deep below KVER).
    static let maxDepth = 24
    /// Files looked at before giving up: a wrong `--modules-dir /` must end.
    static let maxFiles = 200_000

    /// Throws when `path` is not a readable directory.
    public init(scanning path: String) throws {
        self.path = path
        try Self.checkDirectory(path)
        elf_version(UInt32(EV_CURRENT))
        var seen = 0
        walk(path, depth: 0, seen: &seen)
        if compressedCount > 0 {
            problems.append("\(compressedCount) compressed module file\(compressedCount == 1 ? "" : "s") (.ko.xz, .ko.zst, .ko.gz) under \(path) skipped: kdsql reads uncompressed modules only; decompress them (xz -d, zstd -d) or give the directory of the linux-image-KVER-dbg package (usr/lib/debug/lib/modules/KVER)")
        }
        if files.isEmpty && strippedCount > 0 {
            problems.append("the \(strippedCount) module file\(strippedCount == 1 ? "" : "s") under \(path) have no debug info (.debug_info): they are stripped; Debian's unstripped modules are in linux-image-KVER-dbg under usr/lib/debug/lib/modules/KVER")
        }
    }

    /// Throws, saying why, when `path` is not a readable directory.
    public static func checkDirectory(_ path: String) throws {
        if let problem = directoryProblem(path) { throw DebugInfoError.mismatch("modules directory \(path): \(problem)") }
    }

    /// Why `path` is not a readable directory (nil when it is one).
    public static func directoryProblem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return String(cString: strerror(errno)) }
        guard st.st_mode & S_IFMT == S_IFDIR else { return "not a directory" }
        guard access(path, R_OK | X_OK) == 0 else { return "not readable: \(String(cString: strerror(errno)))" }
        return nil
    }

    /// The files with DWARF for a module name, in path order.
    public func candidates(for module: String) -> [ModuleDebugFile] { files[module] ?? [] }

    private mutating func walk(_ directory: String, depth: Int, seen: inout Int) {
        guard depth <= Self.maxDepth, let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        // Sorted, so that the first of several copies is the same on every run.
        for name in names.sorted() {
            seen += 1
            guard seen <= Self.maxFiles else { return }
            let full = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var st = stat()
            // lstat: a symbolic link to a directory (Debian's lib/modules/KVER/build)
            // is not followed, so cycles cannot trap the walk.
            guard lstat(full, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                walk(full, depth: depth + 1, seen: &seen)
            case S_IFREG, S_IFLNK:
                if name.hasSuffix(".ko.xz") || name.hasSuffix(".ko.zst") || name.hasSuffix(".ko.gz") {
                    compressedCount += 1
                } else if name.hasSuffix(".ko") || name.hasSuffix(".ko.debug") {
                    add(full, fileName: name)
                }
            default:
                continue
            }
        }
    }

    private mutating func add(_ path: String, fileName: String) {
        switch Self.read(path, fileName: fileName) {
        case .success(let file):
            if file.hasDebugInfo {
                files[file.name, default: []].append(file)
            } else {
                strippedCount += 1
            }
        case .failure(let problem):
            problems.append(problem.description)
        }
    }

    /// The module name a file name stands for: `virtio-net.ko.debug` → `virtio_net`.
    public static func moduleName(fileName: String) -> String {
        var base = Substring(fileName)
        for suffix in [".debug", ".ko"] where base.hasSuffix(suffix) { base = base.dropLast(suffix.count) }
        return String(base).replacingDashes
    }

    /// Reads the headers of one file.
    public static func read(_ path: String, fileName: String? = nil) -> Result<ModuleDebugFile, DebugInfoError> {
        elf_version(UInt32(EV_CURRENT))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(.malformed(what: "module file", detail: "\(path) skipped: \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            return .failure(.malformed(what: "module file", detail: "\(path) skipped: not ELF (\(String(cString: elf_errmsg(-1))))"))
        }
        defer { elf_end(elf) }
        var header = GElf_Ehdr()
        guard elf_kind(elf) == ELF_K_ELF, gelf_getehdr(elf, &header) != nil else {
            return .failure(.malformed(what: "module file", detail: "\(path) skipped: not an ELF object"))
        }
        guard header.e_type == UInt16(ET_REL), header.e_machine == UInt16(EM_X86_64) else {
            return .failure(.malformed(what: "module file", detail: "\(path) skipped: not an x86-64 kernel module (an ELF relocatable object)"))
        }
        // libelf maps what is there; a file cut short loses its section headers (at the end).
        var st = stat()
        let sectionTableEnd = header.e_shoff &+ UInt64(header.e_shnum) &* UInt64(header.e_shentsize)
        guard fstat(fd, &st) == 0, header.e_shoff > 0, header.e_shnum > 0, sectionTableEnd <= UInt64(st.st_size) else {
            return .failure(.malformed(what: "module file", detail: "\(path) skipped: cut short or damaged (its section headers end at byte \(sectionTableEnd), the file has \(st.st_size))"))
        }
        var stringIndex = 0
        guard elf_getshdrstrndx(elf, &stringIndex) == 0 else {
            return .failure(.malformed(what: "module file", detail: "\(path) skipped: its section headers are unreadable (\(String(cString: elf_errmsg(-1))))"))
        }
        var buildID: String?
        var modinfoName: String?
        var hasDebugInfo = false
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            defer { scn = elf_nextscn(elf, s) }
            var sh = GElf_Shdr()
            guard gelf_getshdr(s, &sh) != nil, let cName = elf_strptr(elf, stringIndex, Int(sh.sh_name)) else { continue }
            let name = String(cString: cName)
            if name == ".debug_info" && sh.sh_type != UInt32(SHT_NOBITS) && sh.sh_size > 0 {
                hasDebugInfo = true
            } else if name == ".note.gnu.build-id", sh.sh_type == UInt32(SHT_NOTE), let data = elf_getdata(s, nil) {
                buildID = ElfBuildID.inNotes(data)
            } else if name == ".modinfo", sh.sh_type == UInt32(SHT_PROGBITS), let data = elf_getdata(s, nil),
                      let base = data.pointee.d_buf {
                modinfoName = Self.modinfoName(UnsafeRawBufferPointer(start: base, count: data.pointee.d_size))
            }
        }
        let fallback = moduleName(fileName: fileName ?? String(path.split(separator: "/").last ?? Substring(path)))
        return .success(ModuleDebugFile(path: path, name: modinfoName ?? fallback, buildID: buildID, hasDebugInfo: hasDebugInfo))
    }

    /// `name=` among the NUL-separated `key=value` strings of `.modinfo`.
    static func modinfoName(_ bytes: UnsafeRawBufferPointer) -> String? {
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0) ?? bytes.count
            let entry = bytes[start..<end]
            if entry.starts(with: "name=".utf8) {
                let value = String(decoding: entry.dropFirst(5), as: UTF8.self)
                return value.isEmpty ? nil : value.replacingDashes
            }
            start = end + 1
        }
        return nil
    }

    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

extension String {
    /// KBUILD_MODNAME's spelling: scripts/Makefile.lib turns '-' into '_'.
    var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
