#!/usr/bin/env python3
"""drgn's side of compare-drgn-vmlinux.sh, with the same debug vmlinux kdsql -k reads.

    drgn_vmlinux.py open   VMLINUX DUMP   load the dump and the vmlinux's debug info, nothing else
    drgn_vmlinux.py seed   VMLINUX DUMP   how many tasks are called bash?
    drgn_vmlinux.py frames VMLINUX DUMP   every task's stack trace, inlined frames included;
                                          prints the number of frames"""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

what, vmlinux, dump = sys.argv[1:4]
prog = drgn.Program()
prog.set_core_dump(dump)
prog.load_debug_info([vmlinux])
if what == "seed":
    print(sum(1 for t in for_each_task(prog) if t.comm.string_() == b"bash"))
elif what == "frames":
    n = 0
    for t in for_each_task(prog):
        try:
            n += sum(1 for fr in prog.stack_trace(t) if fr.name)
        except Exception:  # noqa: BLE001 - counted as no frames, like kdsql's error row
            pass
    print(n)
