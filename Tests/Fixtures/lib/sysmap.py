#!/usr/bin/env python3
"""Rebuild the kernel's System.map from the guest's /proc/kallsyms.

usage: sysmap.py KALLSYMS VMCOREINFO OUT

Debian's image package ships a one-line stub System.map; the real one is only
in the ~1 GB -dbg package.  /proc/kallsyms lists the same symbols, moved by
KASLR: this subtracts VMCOREINFO's KERNELOFFSET from every kernel-image
address (>= __START_KERNEL_map), keeps per-CPU offsets (absolute, never
relocated) as they are, drops module symbols ("[name]") and sorts by address
like `nm -n`.  Differences from the -dbg System.map (see Tests/Fixtures/README.md):
absolute symbols (type A) that kallsyms does not keep are missing, and
per-CPU symbols have type A instead of D/d/b.
"""
import sys

START_KERNEL_MAP = 0xFFFFFFFF80000000


def main():
    kallsyms, vmcoreinfo, out = sys.argv[1:4]
    info = dict(l.split("=", 1) for l in open(vmcoreinfo).read().splitlines() if "=" in l)
    offset = int(info.get("KERNELOFFSET", "0"), 16)
    syms = []
    text = open(kallsyms, "rb").read().decode("ascii", "replace").replace("\r", "")
    for line in text.splitlines():
        f = line.split()
        if len(f) != 3:  # module symbols have a 4th field "[module]"; partial last line
            continue
        addr = int(f[0], 16)
        if addr >= START_KERNEL_MAP:
            addr -= offset
        syms.append((addr, f[1], f[2]))
    stext = [a for a, _, n in syms if n == "_stext"]
    if offset and stext and stext[0] != 0xFFFFFFFF81000000:
        sys.exit("KERNELOFFSET %#x does not match kallsyms: _stext -> %#x" % (offset, stext[0]))
    if not stext:
        sys.exit("kallsyms has no _stext (truncated, or addresses hidden by kptr_restrict?)")
    syms.sort(key=lambda s: s[0])
    with open(out, "w") as f:
        for a, t, n in syms:
            f.write("%016x %s %s\n" % (a, t, n))
    print("System.map: %d symbols, KASLR offset %#x removed" % (len(syms), offset))


if __name__ == "__main__":
    main()
