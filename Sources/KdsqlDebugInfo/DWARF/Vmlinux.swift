@preconcurrency import Glibc
import CDw
import KdsqlDump
import Synchronization

/// A debug vmlinux (Debian's `linux-image-KVER-dbg` ships it as
/// /usr/lib/debug/boot/vmlinux-KVER): the ELF file opened once through libelf
/// and libdw, shared by the DWARF types, the ELF symbol table and the source
/// lines of backtraces.
///
/// Opening reads only the ELF headers: libdw maps the file and parses a unit
/// only when a DIE inside it is asked for (DwarfTypeInfo indexes lazily).
public final class Vmlinux: @unchecked Sendable {
    // @unchecked Sendable: the handles are set once; DwarfTypeInfo and
    // DwarfSourceLines serialise their libdw calls behind their own locks.

    public let path: String
    let fd: Int32
    let elf: OpaquePointer
    /// nil when the file has no .debug_info (a stripped vmlinux).
    let dwarf: OpaquePointer?
    /// NT_GNU_BUILD_ID of the .notes section, lower-case hex (VMCOREINFO's BUILD-ID).
    public let buildID: String?
    /// `linux_banner` as linked into the file ("Linux version 6.1.0-56-cloud-amd64 (...)").
    public private(set) var banner: String?
    public var hasDebugInfo: Bool { dwarf != nil }
    /// Held around every libdw call on `dwarf` (libdw is not thread-safe).
    let libdw = Mutex(())

    /// Opens `path`. Throws `DebugInfoError.malformed` when it is not a
    /// little-endian x86-64 executable ELF file (a bzImage `vmlinuz` is not).
    public init(path: String) throws {
        self.path = path
        elf_version(UInt32(EV_CURRENT))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DumpError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            close(fd)
            throw DebugInfoError.malformed(what: "vmlinux", detail: "\(path) cannot be read as ELF: \(String(cString: elf_errmsg(-1)))")
        }
        var header = GElf_Ehdr()
        guard elf_kind(elf) == ELF_K_ELF, gelf_getehdr(elf, &header) != nil, header.e_type == UInt16(ET_EXEC),
              header.e_machine == UInt16(EM_X86_64) else {
            elf_end(elf)
            close(fd)
            throw DebugInfoError.malformed(
                what: "vmlinux",
                detail: "\(path) is not an x86-64 vmlinux (an ELF executable); a compressed vmlinuz cannot be used, give the debug vmlinux from the linux-image-KVER-dbg package")
        }
        self.fd = fd
        self.elf = elf
        self.buildID = Vmlinux.readBuildID(elf)
        // dwarf_begin_elf fails with "no DWARF information" on a stripped file.
        if Vmlinux.section(elf, named: ".debug_info") != nil {
            self.dwarf = dwarf_begin_elf(elf, DWARF_C_READ, nil)
        } else {
            self.dwarf = nil
        }
        self.banner = nil
        self.banner = try? readCString(symbol: "linux_banner")
    }

    deinit {
        if let dwarf { dwarf_end(dwarf) }
        elf_end(elf)
        close(fd)
    }

    /// True when `path` is an ELF executable (a vmlinux) rather than a dump
    /// (an ELF vmcore is ET_CORE, a kdump file is not ELF). Reads 18 bytes.
    public static func looksLikeVmlinux(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 18)
        guard read(fd, &header, 18) == 18 else { return false }
        return header[0] == 0x7f && header[1] == 0x45 && header[2] == 0x4c && header[3] == 0x46
            && header[4] == 2 && header[5] == 1 && header[16] == 2 && header[17] == 0  // ELFCLASS64, LSB, ET_EXEC
    }

    // MARK: - Sections

    static func section(_ elf: OpaquePointer, named wanted: String) -> (scn: OpaquePointer, header: GElf_Shdr)? {
        var stringIndex = 0
        guard elf_getshdrstrndx(elf, &stringIndex) == 0 else { return nil }
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            var header = GElf_Shdr()
            if gelf_getshdr(s, &header) != nil, let name = elf_strptr(elf, stringIndex, Int(header.sh_name)),
               String(cString: name) == wanted {
                return (s, header)
            }
            scn = elf_nextscn(elf, s)
        }
        return nil
    }

    private static func readBuildID(_ elf: OpaquePointer) -> String? {
        for name in [".notes", ".note.gnu.build-id"] {
            guard let (scn, _) = section(elf, named: name), let data = elf_getdata(scn, nil),
                  let id = ElfBuildID.inNotes(data) else { continue }
            return id
        }
        return nil
    }

    /// The file bytes behind a link-time virtual address (a PROGBITS section
    /// of the image), for reading `linux_banner` without the dump.
    func fileBytes(linkAddress: UInt64, count: Int) -> UnsafeRawBufferPointer? {
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            var header = GElf_Shdr()
            if gelf_getshdr(s, &header) != nil, header.sh_type == UInt32(SHT_PROGBITS), header.sh_addr != 0,
               linkAddress >= header.sh_addr, linkAddress + UInt64(count) <= header.sh_addr + header.sh_size,
               let data = elf_getdata(s, nil), let base = data.pointee.d_buf {
                let start = Int(linkAddress - header.sh_addr)
                guard start + count <= data.pointee.d_size else { return nil }
                return UnsafeRawBufferPointer(start: base + start, count: count)
            }
            scn = elf_nextscn(elf, s)
        }
        return nil
    }

    private func readCString(symbol: String) throws -> String? {
        guard let address = symbolAddresses(named: [symbol])[symbol] else { return nil }
        for length in stride(from: 512, through: 16, by: -16) {
            if let bytes = fileBytes(linkAddress: address, count: length) {
                let end = bytes.firstIndex(of: 0) ?? bytes.count
                return String(decoding: bytes[..<end], as: UTF8.self)
            }
        }
        return nil
    }

    // MARK: - ELF symbol table

    /// The `.strtab` bytes the symbol names point into.
    func symbolStrings() -> [UInt8] {
        guard let (_, header) = Vmlinux.section(elf, named: ".symtab"), let strtab = elf_getscn(elf, Int(header.sh_link)),
              let data = elf_getdata(strtab, nil), let base = data.pointee.d_buf else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: data.pointee.d_size))
    }

    /// Visits every named symbol of `.symtab`: name (NUL-terminated, at
    /// `nameOffset` in `symbolStrings()`), link-time value, `nm`-style type letter.
    func forEachSymbol(_ body: (_ name: UnsafePointer<CChar>, _ nameOffset: UInt32, _ value: UInt64, _ letter: UInt8) -> Void) {
        guard let (scn, header) = Vmlinux.section(elf, named: ".symtab"), let data = elf_getdata(scn, nil) else { return }
        let count = Int(header.sh_size / max(header.sh_entsize, 1))
        var sectionFlags: [Int: (flags: UInt64, type: UInt32, name: String)] = [:]
        var stringIndex = 0
        elf_getshdrstrndx(elf, &stringIndex)
        var s = elf_nextscn(elf, nil)
        while let sec = s {
            var h = GElf_Shdr()
            if gelf_getshdr(sec, &h) != nil {
                let name = elf_strptr(elf, stringIndex, Int(h.sh_name)).map { String(cString: $0) } ?? ""
                sectionFlags[elf_ndxscn(sec)] = (h.sh_flags, h.sh_type, name)
            }
            s = elf_nextscn(elf, sec)
        }
        for i in 1..<max(count, 1) {
            var sym = GElf_Sym()
            guard gelf_getsym(data, Int32(i), &sym) != nil, sym.st_name != 0,
                  let name = elf_strptr(elf, Int(header.sh_link), Int(sym.st_name)), name.pointee != 0 else { continue }
            let type = Int32(sym.st_info & 0xf), bind = Int32(sym.st_info >> 4)
            if type == STT_FILE || type == STT_SECTION { continue }
            var letter: UInt8
            let index = Int(sym.st_shndx)
            if index == Int(SHN_ABS) {
                letter = 0x61  // a
            } else if index == Int(SHN_UNDEF) {
                continue
            } else if let section = sectionFlags[index] {
                // nm's letters (binutils nm.c, coff_section_letter): text,
                // read-only data, data, bss.
                if section.flags & UInt64(SHF_EXECINSTR) != 0 { letter = 0x74 }          // t
                else if section.type == UInt32(SHT_NOBITS) { letter = 0x62 }             // b
                else if section.flags & UInt64(SHF_WRITE) != 0 { letter = 0x64 }        // d
                else { letter = 0x72 }                                                   // r
            } else {
                letter = 0x3f
            }
            if bind == STB_GLOBAL || bind == STB_WEAK, letter != 0x3f { letter -= 0x20 }
            body(name, sym.st_name, sym.st_value, letter)
        }
    }

    /// Code symbols with a size, by start address, built on first use.
    private lazy var sizedFunctions: [(start: UInt64, end: UInt64, name: UInt32)] = {
        var all: [(start: UInt64, end: UInt64, name: UInt32)] = []
        guard let (scn, header) = Vmlinux.section(elf, named: ".symtab"), let data = elf_getdata(scn, nil) else { return [] }
        for i in 1..<Int(header.sh_size / max(header.sh_entsize, 1)) {
            var sym = GElf_Sym()
            guard gelf_getsym(data, Int32(i), &sym) != nil else { continue }
            // Assembly entry points (SYM_CODE_START) are NOTYPE with a size.
            let type = Int32(sym.st_info & 0xf)
            guard type == STT_FUNC || type == STT_NOTYPE, sym.st_size > 0,
                  sym.st_shndx != UInt16(SHN_UNDEF), sym.st_shndx < UInt16(SHN_LORESERVE) else { continue }
            all.append((sym.st_value, sym.st_value + sym.st_size, sym.st_name))
        }
        return all.sorted { $0.start < $1.start }
    }()
    private lazy var symbolNames: [UInt8] = symbolStrings()

    /// The function symbol whose [st_value, st_value + st_size) holds a
    /// link-time address: how ELF tools (and drgn) name assembly code, where
    /// kallsyms names the nearest label below (`entry_SYSCALL_64` rather than
    /// `entry_SYSCALL_64_after_hwframe`).
    public func functionSymbol(containing address: UInt64) -> String? {
        libdw.withLock { _ -> String? in
            let all = sizedFunctions
            var lo = 0, hi = all.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if all[mid].start <= address { lo = mid + 1 } else { hi = mid }
            }
            var i = lo - 1
            while i >= 0 && all[i].start <= address {
                if address < all[i].end {
                    let start = Int(all[i].name)
                    guard start < symbolNames.count else { return nil }
                    let end = symbolNames[start...].firstIndex(of: 0) ?? symbolNames.count
                    return String(decoding: symbolNames[start..<end], as: UTF8.self)
                }
                if all[i].start + 0x10000 < address { break }
                i -= 1
            }
            return nil
        }
    }

    /// Link-time addresses of a few symbols (first global wins), one pass.
    func symbolAddresses(named names: Set<String>) -> [String: UInt64] {
        var found: [String: UInt64] = [:]
        let wanted = names.map { ($0, Array($0.utf8CString)) }
        forEachSymbol { name, _, value, letter in
            for (s, c) in wanted where strcmp(name, c) == 0 {
                if found[s] == nil || letter < 0x61 { found[s] = value }
            }
        }
        return found
    }
}
