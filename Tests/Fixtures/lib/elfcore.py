#!/usr/bin/env python3
"""ELF core helpers for make-dump (standard library only).

  elfcore.py fix-phdrs FILE        move the program headers of a QEMU ELF dump
                                   to offset 64, in place
  elfcore.py vmcoreinfo FILE OUT   write the VMCOREINFO note's text to OUT
  elfcore.py zero-phys FILE START END
                                   zero the pages holding physical addresses
                                   START..END (hex, inclusive), in place

Why fix-phdrs: QEMU 7.2's dump-guest-memory writes two section headers at
offset 64 and the program headers after them (e_phoff=192, e_ehsize=8).
makedumpfile reads the program headers at sizeof(Elf64_Ehdr) regardless of
e_phoff and fails with "get_elf_info: Can't get the number of PT_LOAD."  The
headers are moved in place (notes and memory keep their offsets), which saves
copying the whole dump.  The section headers only matter when e_phnum
overflows (PN_XNUM), which a two-range guest never does.
"""
import struct
import sys

EHDR = "<16sHHIQQQIHHHHHH"  # Elf64_Ehdr
PHDR_SIZE = 56


def read_ehdr(f):
    f.seek(0)
    eh = list(struct.unpack(EHDR, f.read(64)))
    if eh[0][:4] != b"\x7fELF" or eh[0][4] != 2:
        sys.exit("not an ELF64 file")
    return eh


def fix_phdrs(path):
    with open(path, "r+b") as f:
        eh = read_ehdr(f)
        phoff, phnum = eh[5], eh[10]
        if phoff == 64:
            return
        if phnum == 0xFFFF:
            sys.exit("e_phnum is PN_XNUM: cannot drop the section headers")
        f.seek(phoff)
        phdrs = f.read(phnum * PHDR_SIZE)
        eh[5], eh[6], eh[8] = 64, 0, 64          # e_phoff, e_shoff, e_ehsize
        eh[11], eh[12], eh[13] = 0, 0, 0         # e_shentsize, e_shnum, e_shstrndx
        f.seek(0)
        f.write(struct.pack(EHDR, *eh))
        f.write(phdrs)


def vmcoreinfo(path):
    with open(path, "rb") as f:
        eh = read_ehdr(f)
        for i in range(eh[10]):
            f.seek(eh[5] + i * PHDR_SIZE)
            p_type, _, p_offset, _, _, p_filesz, _, _ = struct.unpack("<IIQQQQQQ", f.read(PHDR_SIZE))
            if p_type != 4:  # PT_NOTE
                continue
            f.seek(p_offset)
            data, off = f.read(p_filesz), 0
            while off + 12 <= len(data):
                namesz, descsz, _ = struct.unpack_from("<III", data, off)
                off += 12
                name = data[off:off + namesz].rstrip(b"\0")
                off += (namesz + 3) & ~3
                desc = data[off:off + descsz]
                off += (descsz + 3) & ~3
                if name == b"VMCOREINFO":
                    return desc.rstrip(b"\0").decode()
    sys.exit("no VMCOREINFO note in %s" % path)


def zero_phys(path, start, end):
    """Used for the committed sample only: its size budget (15 MB) cannot hold
    the kernel's 14 MB of code (6.7 MB even compressed); zeroed pages are then
    dropped by makedumpfile as zero pages (-d 1)."""
    start, end = start & ~0xFFF, (end | 0xFFF) + 1
    with open(path, "r+b") as f:
        eh = read_ehdr(f)
        for i in range(eh[10]):
            f.seek(eh[5] + i * PHDR_SIZE)
            p_type, _, p_offset, _, p_paddr, p_filesz, _, _ = struct.unpack("<IIQQQQQQ", f.read(PHDR_SIZE))
            lo, hi = max(start, p_paddr), min(end, p_paddr + p_filesz)
            if p_type == 1 and lo < hi:
                f.seek(p_offset + lo - p_paddr)
                f.write(bytes(hi - lo))


if __name__ == "__main__":
    if sys.argv[1:2] == ["fix-phdrs"] and len(sys.argv) == 3:
        fix_phdrs(sys.argv[2])
    elif sys.argv[1:2] == ["zero-phys"] and len(sys.argv) == 5:
        zero_phys(sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4], 16))
    elif sys.argv[1:2] == ["vmcoreinfo"] and len(sys.argv) == 4:
        with open(sys.argv[3], "w") as out:
            out.write(vmcoreinfo(sys.argv[2]))
    else:
        sys.exit(__doc__)
