import CDw

/// The GNU build ID of an ELF file (a vmlinux, a module's debug file): the
/// descriptor of its NT_GNU_BUILD_ID note (owner "GNU"), as lowercase hex.
enum ElfBuildID {
    /// The build ID in a note section's data, if it has one; a note whose
    /// descriptor would run past the data is not read.
    static func inNotes(_ data: UnsafeMutablePointer<Elf_Data>) -> String? {
        guard let base = data.pointee.d_buf else { return nil }
        let bytes = UnsafeRawBufferPointer(start: base, count: data.pointee.d_size)
        var offset = 0
        var note = GElf_Nhdr()
        var nameOffset = 0, descOffset = 0
        while true {
            let next = gelf_getnote(data, offset, &note, &nameOffset, &descOffset)
            guard next > 0 else { return nil }
            if note.n_type == UInt32(NT_GNU_BUILD_ID), note.n_namesz == 4, descOffset + Int(note.n_descsz) <= bytes.count,
               bytes[nameOffset] == 0x47, bytes[nameOffset + 1] == 0x4e, bytes[nameOffset + 2] == 0x55 {
                return ModuleDebugDirectory.hex(bytes[descOffset..<descOffset + Int(note.n_descsz)])
            }
            offset = next
        }
    }
}
