#!/usr/bin/env python3
"""Cuts the fuzz targets' seed corpora (Fuzz/corpus/<Target>/) from the
fixtures: dump headers of every format, the sample's VMCOREINFO and notes,
a small hand-built BTF blob and kallsyms layout, and the sample kernel's own
bytes where the overlay targets put their input (printk ring, pid IDR node,
a maple node, ORC tables), read with kdsql itself. Every seed is <= 64 KiB.
Run from the package root after `swift build`; the output is committed."""
import os, struct, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixtures = os.path.join(root, "..", "shared", "fixtures")
sample = os.path.join(root, "Tests", "Fixtures", "sample")
kdsql = os.path.join(root, ".build", "debug", "kdsql")
out = os.path.join(root, "Fuzz", "corpus")

def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data[:65536])

def head(path, n=65536):
    with open(path, "rb") as f:
        return f.read(n)

# Dump containers: the first 64 KiB of each format (headers, bitmaps, descriptors).
for name in ["vmcore-mdf-d31-zlib.kdump", "vmcore-mdf-d31-lzo.kdump", "vmcore-mdf-d31-zlib.flat", "vmcore-mdf-d31.elf"]:
    put("DumpFile", "6.1-" + name, head(os.path.join(fixtures, "linux-6.1-cloud-amd64", name)))
put("DumpFile", "6.12-d23.kdump", head(os.path.join(fixtures, "linux-6.12-cloud-amd64", "vmcore-mdf-d23-zlib.kdump")))

# ELF notes: the PT_NOTE segment of the makedumpfile -E dump.
elf = head(os.path.join(fixtures, "linux-6.1-cloud-amd64", "vmcore-mdf-d31.elf"), 1 << 20)
phoff, = struct.unpack_from("<Q", elf, 32)
phentsize, phnum = struct.unpack_from("<HH", elf, 54)
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
    if p_type == 4:
        put("ElfNotes", "6.1-notes", elf[p_offset:p_offset + p_filesz])

put("Vmcoreinfo", "sample", open(os.path.join(sample, "truth", "vmcoreinfo.txt"), "rb").read())

# A minimal BTF blob (include/uapi/linux/btf.h): int, struct list_head
# {next, prev}, a pointer to it, typedef pid_t, enum pid_type.
strings = b"\0int\0list_head\0next\0prev\0pid_t\0pid_type\0PIDTYPE_PID\0"
def off(s): return strings.index(s.encode() + b"\0")
types = b""
types += struct.pack("<III", off("int"), 1 << 24, 4) + struct.pack("<I", (1 << 24) | 32)          # [1] INT
types += struct.pack("<III", off("list_head"), (4 << 24) | 2, 16)                                  # [2] STRUCT
types += struct.pack("<III", off("next"), 3, 0) + struct.pack("<III", off("prev"), 3, 64)
types += struct.pack("<III", 0, 2 << 24, 2)                                                        # [3] PTR -> 2
types += struct.pack("<III", off("pid_t"), 8 << 24, 1)                                             # [4] TYPEDEF -> 1
types += struct.pack("<III", off("pid_type"), (6 << 24) | 1, 4) + struct.pack("<Ii", off("PIDTYPE_PID"), 0)  # [5] ENUM
btf = struct.pack("<HBBIIIII", 0xeB9F, 1, 0, 24, 0, len(types), len(types), len(strings)) + types + strings
put("BTF", "tiny", btf)

# Reference loops (only corrupt BTF has them): an array of itself behind
# typedef x, and a struct task_struct whose two anonymous members are
# task_struct again.
strings = b"\0int\0x\0task_struct\0"
types = b""
types += struct.pack("<III", off("int"), 1 << 24, 4) + struct.pack("<I", (1 << 24) | 32)          # [1] INT
types += struct.pack("<III", 0, 3 << 24, 0) + struct.pack("<III", 2, 1, 4)                          # [2] ARRAY of [2]
types += struct.pack("<III", off("x"), 8 << 24, 2)                                                 # [3] TYPEDEF x -> 2
types += struct.pack("<III", off("task_struct"), (4 << 24) | 2, 8)                                 # [4] STRUCT
types += struct.pack("<III", 0, 4, 0) + struct.pack("<III", 0, 4, 0)
btf = struct.pack("<HBBIIIII", 0xeB9F, 1, 0, 24, 0, len(types), len(types), len(strings)) + types + strings
put("BTF", "loops", btf)

# kallsyms: count, token-table split, offsets position, then tables (see Targets/Kallsyms.swift).
names = b"".join(bytes([len(n)]) + n for n in [b"Tinit_task", b"Tpanic", b"tfoo"] * 100)
put("Kallsyms", "synthetic", struct.pack("<IIII", 300, 1024, 2048, 0) + names.ljust(4096, b"\0"))

def memory(address, count):
    """count bytes of the sample kernel's memory from address, via kd_read_u64."""
    sql = ("WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < %d) "
           "SELECT kd_read_u64(%d + 8 * n) FROM i" % (count // 8 - 1, address))
    rows = subprocess.run([kdsql, os.path.join(sample, "vmcore"), "--format", "csv", sql],
                          capture_output=True, text=True, check=True).stdout.split("\n")[1:]
    return b"".join(struct.pack("<q", int(r or 0)) for r in rows if r != "")

def scalar(sql):
    return int(subprocess.run([kdsql, os.path.join(sample, "vmcore"), "--format", "csv", sql],
                              capture_output=True, text=True, check=True).stdout.split("\n")[1])

prb = scalar("SELECT kd_read_u64(address) FROM symbols WHERE name = 'prb'")
put("Printk", "ring-header", b"\0" + memory(prb & ~0xfff, 4096))
idr = scalar("SELECT kd_read_u64(address + kd_offsetof('pid_namespace', 'idr') + 8) FROM symbols WHERE name = 'init_pid_ns'")
put("XArray", "idr-top-node", memory(idr & ~3, 576))
lookup = scalar("SELECT address FROM symbols WHERE name = 'orc_lookup'")
put("Orc", "lookup", b"\0" + memory(lookup, 4096))
mm = scalar("SELECT mm FROM mm WHERE pid = 1")
root_node = scalar("SELECT kd_read_u64(%d + kd_offsetof('mm_struct', 'mm_mt') + 8)" % mm)
put("MapleTree", "pid1-root", memory(root_node & ~0xff, 256))
