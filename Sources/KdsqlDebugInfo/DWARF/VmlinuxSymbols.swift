@preconcurrency import Glibc

extension SystemMap {
    /// The symbols of a vmlinux's ELF `.symtab` (what `nm -n vmlinux`, and so
    /// System.map, is made from), relocated by the KASLR offset exactly as a
    /// System.map is: addresses inside the kernel image move, per-cpu offsets
    /// and absolute values do not.
    public convenience init(vmlinux: Vmlinux, kaslrOffset: UInt64) throws {
        let strings = vmlinux.symbolStrings()
        var addresses: [UInt64] = [], starts: [UInt32] = [], lengths: [UInt32] = [], types: [UInt8] = []
        vmlinux.forEachSymbol { name, offset, value, letter in
            addresses.append(value)
            starts.append(offset)
            lengths.append(UInt32(strlen(name)))
            types.append(letter)
        }
        guard !addresses.isEmpty else {
            throw DebugInfoError.malformed(what: "vmlinux", detail: "\(vmlinux.path) has no ELF symbol table (.symtab); give its System.map with --system-map")
        }
        self.init(storage: strings, linkAddresses: addresses, nameStarts: starts, nameLengths: lengths, types: types,
                  kaslrOffset: kaslrOffset)
    }
}
