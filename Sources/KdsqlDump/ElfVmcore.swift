import CElf
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// An ELF64 vmcore: QEMU's `dump-guest-memory` ELF, makedumpfile `-E`, or a
/// kexec /proc/vmcore copy. Layout: ELF64 core file (`man 5 elf`); each
/// PT_LOAD's p_paddr is a physical address and its bytes are that memory.
///
/// libelf parses and validates the headers (it honours e_phoff, which QEMU 7.2
/// puts after the section headers at 192); the memory is read in place from a
/// read-only mmap, so no segment is ever copied whole.
public final class ElfVmcore: DumpFile {
    /// One PT_LOAD: physical range [start, start+memSize), of which the first
    /// fileSize bytes are in the file at `offset`; the rest were left out of the
    /// dump (makedumpfile -E writes excluded runs that way).
    struct Segment {
        var start: UInt64
        var memSize: UInt64
        var fileSize: UInt64
        var offset: UInt64
        /// Of fileSize, the bytes the file really holds (less when it was cut short).
        var presentSize: UInt64
    }

    public let path: String
    public let format = DumpFormat.elf
    public let notes: [ElfNote]
    public let vmcoreinfo: String?
    public private(set) var header = DumpHeaderInfo()
    public let truncation: DumpTruncation?
    public var openWarnings: [String] { truncation.map { ["\($0)"] } ?? [] }
    public let physicalLimit: UInt64
    private let file: MappedFile
    private let segments: [Segment]
    private var lastSegment = 0
    private var pagesRead: UInt64 = 0

    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    init(file: MappedFile) throws {
        self.file = file
        self.path = file.path
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else {
            throw DumpError.cannotOpen(path: file.path, reason: "libelf is too old")
        }
        guard let base = file.base, file.size >= 64 else {
            throw DumpError.truncated(what: "ELF header", offset: 0, fileSize: file.size)
        }
        guard let elf = elf_memory(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self)), Int(file.size)) else {
            throw DumpError.corrupt(what: "ELF file (\(String(cString: elf_errmsg(-1))))", offset: 0)
        }
        defer { elf_end(elf) }
        guard gelf_getclass(elf) == ELFCLASS64 else {
            throw DumpError.notADump(path: file.path, found: "32-bit ELF file (only x86_64 vmcores are supported)")
        }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else {
            throw DumpError.corrupt(what: "ELF header (\(String(cString: elf_errmsg(-1))))", offset: 0)
        }
        guard ehdr.e_type == UInt16(ET_CORE) else {
            throw DumpError.notADump(path: file.path, found: "ELF \(ElfVmcore.typeName(ehdr.e_type)), not a core file")
        }
        guard ehdr.e_machine == UInt16(EM_X86_64) else {
            throw DumpError.notADump(path: file.path, found: "ELF core for machine \(ehdr.e_machine), only x86_64 is supported")
        }
        var phnum = 0
        guard elf_getphdrnum(elf, &phnum) == 0 else {
            throw DumpError.corrupt(what: "ELF program header count (\(String(cString: elf_errmsg(-1))))", offset: 32)
        }
        let phEnd = ehdr.e_phoff + UInt64(phnum) * UInt64(ehdr.e_phentsize)
        guard phEnd <= file.size else {
            throw DumpError.truncated(what: "ELF program headers", offset: ehdr.e_phoff, fileSize: file.size)
        }
        var segments: [Segment] = []
        var notes: [ElfNote] = []
        var expectedEnd: UInt64 = 0, missingBytes: UInt64 = 0, dumpedBytes: UInt64 = 0
        for i in 0..<phnum {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil else {
                throw DumpError.corrupt(what: "ELF program header \(i)", offset: ehdr.e_phoff + UInt64(i) * UInt64(ehdr.e_phentsize))
            }
            switch ph.p_type {
            case UInt32(PT_LOAD):
                guard ph.p_filesz <= ph.p_memsz else {
                    throw DumpError.corrupt(what: "PT_LOAD \(i) (p_filesz > p_memsz)", offset: ehdr.e_phoff)
                }
                // Physical ranges end below 2^64 (and far below: MAX_PHYSMEM_BITS is 52).
                guard ph.p_paddr < 1 << 52, ph.p_memsz <= (1 << 52) - ph.p_paddr else {
                    throw DumpError.corrupt(what: "PT_LOAD \(i) (p_paddr 0x\(String(ph.p_paddr, radix: 16)) + p_memsz 0x\(String(ph.p_memsz, radix: 16)) is past the 52-bit physical address space)",
                                            offset: ehdr.e_phoff + UInt64(i) * UInt64(ehdr.e_phentsize))
                }
                guard ph.p_offset <= UInt64.max - ph.p_filesz else {
                    throw DumpError.corrupt(what: "PT_LOAD \(i) (p_offset + p_filesz overflows)", offset: ehdr.e_phoff)
                }
                var present = ph.p_filesz
                if ph.p_filesz > 0, ph.p_offset + ph.p_filesz > file.size {
                    // Cut short: what survives is read; the rest reads as missing.
                    present = ph.p_offset < file.size ? file.size - ph.p_offset : 0
                    expectedEnd = max(expectedEnd, ph.p_offset + ph.p_filesz)
                    missingBytes += ph.p_filesz - present
                    dumpedBytes += ph.p_filesz
                } else {
                    dumpedBytes += ph.p_filesz
                }
                segments.append(Segment(start: ph.p_paddr, memSize: ph.p_memsz, fileSize: ph.p_filesz, offset: ph.p_offset,
                                        presentSize: present))
            case UInt32(PT_NOTE):
                notes += try ElfVmcore.parseNotes(elf: elf, file: file, offset: ph.p_offset, size: ph.p_filesz)
            default:
                break
            }
        }
        segments.sort { $0.start < $1.start }
        self.segments = try ElfVmcore.resolveOverlaps(segments, file: file)
        if missingBytes > 0 {
            truncation = DumpTruncation(fileSize: file.size, expectedSize: expectedEnd,
                                        missingPages: Int((missingBytes + 4095) / 4096), dumpedPages: Int((dumpedBytes + 4095) / 4096))
        } else {
            truncation = nil
        }
        self.notes = notes
        self.physicalLimit = self.segments.map { $0.start + $0.memSize }.max() ?? 0
        let info = notes.first { $0.name == "VMCOREINFO" }
        self.vmcoreinfo = info.map { String(decoding: $0.descriptor.prefix { $0 != 0 }, as: UTF8.self) }
        if vmcoreinfo == nil && segments.isEmpty {
            throw DumpError.notADump(path: file.path, found: "ELF core with no memory segments")
        }
        if vmcoreinfo == nil && notes.contains(where: { $0.name == "CORE" && ($0.type == 3 || $0.type == 0x46494c45) }) {
            // NT_PRPSINFO / NT_FILE without VMCOREINFO: a process core from the kernel's ELF core dumper.
            throw DumpError.notADump(path: file.path, found: "ELF core of a user process")
        }
        header.machine = "x86_64"
        header.cpuCount = notes.filter { $0.name == "CORE" && $0.type == ElfNote.ntPrstatus }.count
    }

    /// Two PT_LOADs may describe the same physical memory only with the same
    /// bytes: kexec's /proc/vmcore has one for the kernel text inside the
    /// System RAM one. The duplicate is dropped; differing bytes mean a
    /// damaged header, which would otherwise hide whole ranges of memory.
    static func resolveOverlaps(_ sorted: [Segment], file: MappedFile) throws -> [Segment] {
        var out: [Segment] = []
        for var seg in sorted {
            guard let prev = out.last, seg.start < prev.start + prev.memSize else { out.append(seg); continue }
            // A segment reaching back past the start of the one it overlaps
            // overlaps more than one: no dump tool writes that.
            guard seg.start >= prev.start else {
                throw DumpError.corrupt(what: "ELF program headers: the PT_LOAD at physical 0x\(String(seg.start, radix: 16)) overlaps several others", offset: 0)
            }
            let prevEnd = prev.start + prev.memSize
            let overlapEnd = min(prevEnd, seg.start + seg.memSize)
            // Compare the bytes both hold in the file.
            let a0 = seg.start - prev.start
            let common = min(overlapEnd - seg.start, prev.presentSize > a0 ? prev.presentSize - a0 : 0, seg.presentSize)
            var same = true
            if common > 0, let x = file.contiguousBytes(at: prev.offset + a0, count: Int(common))?.baseAddress,
               let y = file.contiguousBytes(at: seg.offset, count: Int(common))?.baseAddress {
                same = memcmp(x, y, Int(common)) == 0
            }
            guard same else {
                throw DumpError.corrupt(what: "ELF program headers: PT_LOAD segments overlap at physical 0x\(String(seg.start, radix: 16))-0x\(String(overlapEnd, radix: 16)) with different contents", offset: 0)
            }
            if seg.start + seg.memSize <= prevEnd { continue }
            // Keep the part past the previous segment.
            let skip = prevEnd - seg.start
            seg.start = prevEnd
            seg.memSize -= skip
            seg.offset += min(skip, seg.fileSize)
            seg.fileSize -= min(skip, seg.fileSize)
            seg.presentSize -= min(skip, seg.presentSize)
            out.append(seg)
        }
        return out
    }

    private static func typeName(_ t: UInt16) -> String {
        switch Int32(t) {
        case ET_EXEC: return "executable"
        case ET_DYN: return "shared object or PIE executable"
        case ET_REL: return "relocatable object"
        default: return "file of type \(t)"
        }
    }

    /// Notes of one PT_NOTE segment, through libelf's gelf_getnote (which
    /// handles the 4-byte padding of names and descriptors).
    private static func parseNotes(elf: OpaquePointer, file: MappedFile, offset: UInt64, size: UInt64) throws -> [ElfNote] {
        guard offset <= file.size, size <= file.size - offset else {
            throw DumpError.truncated(what: "PT_NOTE segment", offset: offset, fileSize: file.size)
        }
        guard size > 0, let data = elf_getdata_rawchunk(elf, Int64(offset), Int(size), ELF_T_NHDR) else { return [] }
        var notes: [ElfNote] = []
        var pos = 0
        while pos < data.pointee.d_size {
            var nhdr = GElf_Nhdr()
            var nameOff = 0, descOff = 0
            let next = gelf_getnote(data, pos, &nhdr, &nameOff, &descOff)
            if next == 0 { break }
            let buf = UnsafeRawBufferPointer(start: data.pointee.d_buf, count: data.pointee.d_size)
            let nameBytes = buf[nameOff..<(nameOff + Int(nhdr.n_namesz))].prefix { $0 != 0 }
            let desc = Array(buf[descOff..<(descOff + Int(nhdr.n_descsz))])
            notes.append(ElfNote(name: String(decoding: nameBytes, as: UTF8.self), type: nhdr.n_type, descriptor: desc))
            pos = next
        }
        return notes
    }

    @inline(__always)
    private func segmentIndex(for address: UInt64) -> Int? {
        let last = segments[lastSegment]
        if address >= last.start && address - last.start < last.memSize { return lastSegment }
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].start + segments[mid].memSize <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo < segments.count, address >= segments[lo].start else { return nil }
        lastSegment = lo
        return lo
    }

    public func read(physical address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let pa = address &+ UInt64(done)
            guard !segments.isEmpty, let i = segmentIndex(for: pa) else { throw DumpError.notInDump(physicalAddress: pa) }
            let seg = segments[i]
            let within = pa - seg.start
            guard within < seg.fileSize else { throw DumpError.pageExcluded(physicalAddress: pa) }
            guard within < seg.presentSize else { throw DumpError.pageMissing(physicalAddress: pa) }
            let n = Int(min(UInt64(buffer.count - done), seg.presentSize - within))
            try file.copy(at: seg.offset + within, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + n)]), what: "PT_LOAD data")
            done += n
        }
        pagesRead &+= 1
    }

    public func storedBytesFingerprint(physical: UInt64, count: Int) throws -> UInt64? {
        var fp = Fingerprint()
        var done = 0
        while done < count {
            let pa = physical + UInt64(done)
            guard let at = fileOffset(physical: pa), let i = segmentIndex(for: pa) else { throw DumpError.pageExcluded(physicalAddress: pa) }
            let n = Int(min(UInt64(count - done), segments[i].presentSize - (pa - segments[i].start)))
            fp.add(try file.bytes(at: at, count: n, what: "PT_LOAD data"))
            done += n
        }
        return fp.value
    }

    /// File offset of a physical address's byte, when the file holds it
    /// (diagnostics and the fault tests that patch a copy).
    public func fileOffset(physical address: UInt64) -> UInt64? {
        guard !segments.isEmpty, let i = segmentIndex(for: address) else { return nil }
        let within = address - segments[i].start
        return within < segments[i].presentSize ? segments[i].offset + within : nil
    }

    public func presentPageFrames() -> [UInt64] {
        var pfns: [UInt64] = []
        for seg in segments where seg.presentSize > 0 {
            let first = (seg.start + 4095) / 4096
            let end = (seg.start + seg.presentSize) / 4096
            if first < end { pfns.append(contentsOf: first..<end) }
        }
        return pfns
    }

    public var cacheStats: PageCacheStats {
        var s = PageCacheStats()
        s.pagesRead = pagesRead
        return s
    }
}
