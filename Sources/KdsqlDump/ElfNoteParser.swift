/// Splits a blob of ELF notes (the PT_NOTE format of `man 5 elf`: Elf64_Nhdr
/// {u32 namesz, descsz, type}, then name and descriptor each padded to 4
/// bytes) as kept in a kdump sub-header's offset_note/size_note.
public enum ElfNoteParser {
    public static func parse(_ blob: [UInt8], fileOffset: UInt64) throws -> [ElfNote] {
        func u32(_ o: Int) -> Int {
            Int(UInt32(blob[o]) | UInt32(blob[o + 1]) << 8 | UInt32(blob[o + 2]) << 16 | UInt32(blob[o + 3]) << 24)
        }
        func pad4(_ n: Int) -> Int { (n + 3) & ~3 }
        var notes: [ElfNote] = []
        var pos = 0
        while pos + 12 <= blob.count {
            let namesz = u32(pos), descsz = u32(pos + 4), type = UInt32(u32(pos + 8))
            // All-zero tail: the blob is padded.
            if namesz == 0 && descsz == 0 && type == 0 { break }
            let nameAt = pos + 12
            let descAt = nameAt + pad4(namesz)
            guard namesz < 1 << 16, descsz < 1 << 26, descAt + descsz <= blob.count else {
                throw DumpError.corrupt(what: "ELF note (name \(namesz) bytes, descriptor \(descsz) bytes overruns the \(blob.count)-byte note area)", offset: fileOffset + UInt64(pos))
            }
            let name = String(decoding: blob[nameAt..<(nameAt + namesz)].prefix { $0 != 0 }, as: UTF8.self)
            notes.append(ElfNote(name: name, type: type, descriptor: Array(blob[descAt..<(descAt + descsz)])))
            pos = descAt + pad4(descsz)
        }
        return notes
    }
}
