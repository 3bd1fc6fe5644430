#!/usr/bin/env python3
"""drgn's source locations of module code, inlined functions included: the
reference the --modules-dir tests compare kd_addr2line with, row by row.

    drgn-module-lines.py DUMP VMLINUX MODULES_DIR [STEP] > SET/drgn-module-lines.csv

MODULES_DIR holds the modules' debug files (`make debug-vmlinux` extracts those
of the 6.1 fixtures' modules from linux-image-KVER-dbg into
~/.cache/kdsql/debug/usr/lib/debug/lib/modules/KVER). For every loaded module
drgn found a debug file for, every STEP-th byte (default 97) of its memory that
lies in a function symbol is looked up with prog.source_location(): one row
per function at that address, innermost first (depth 0). Recorded with drgn
0.3.0 (python3 -m venv ~/.cache/kdsql/venv && ~/.cache/kdsql/venv/bin/pip
install drgn)."""
import glob
import sys

import drgn

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
files = [sys.argv[2]] + sorted(glob.glob(sys.argv[3] + "/**/*.ko", recursive=True))
try:
    prog.load_debug_info(files)
except drgn.MissingDebugInfoError:
    pass  # modules without a file under MODULES_DIR: not compared
step = int(sys.argv[4]) if len(sys.argv) > 4 else 97
print("module,address,depth,function,file,line")
for module in sorted(prog.modules(), key=lambda m: m.name):
    if not isinstance(module, drgn.RelocatableModule) or not module.debug_file_path:
        continue
    for start, end in module.address_ranges:
        for address in range(start, end, step):
            try:
                if prog.symbol(address).kind != drgn.SymbolKind.FUNC:
                    continue
                locations = prog.source_location(address)
            except LookupError:
                continue
            for depth, loc in enumerate(locations):
                name = str(loc).split(" at ")[0]
                print("%s,0x%x,%d,%s,%s,%s" % (module.name, address, depth, name, loc.filename or "", loc.line or ""))
