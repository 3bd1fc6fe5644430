#!/usr/bin/env python3
"""drgn's backtrace of every task, inlined frames included, with source lines:
the reference the stack_frames tests under -k compare with, frame for frame.

    drgn-stack-frames.py DUMP VMLINUX > SET/drgn-stack-frames.csv

drgn from PyPI (python3 -m venv ~/.cache/kdsql/venv && ~/.cache/kdsql/venv/bin/pip
install drgn; recorded with drgn 0.3.0), the
vmlinux from linux-image-KVER-dbg (`make debug-vmlinux`). A frame drgn cannot
name (module code without module debug info, user space) is written as its pc
in hex; drgn stops unwinding there, so the tests compare only up to it."""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
print("pid,frame,function,inlined,file,line,pc")
for t in sorted(for_each_task(prog), key=lambda t: int(t.pid)):
    pid = int(t.pid)
    try:
        trace = prog.stack_trace(t)
    except Exception:  # noqa: BLE001 - a task drgn cannot unwind has no rows
        continue
    for i, fr in enumerate(trace):
        try:
            f, l, _ = fr.source()
        except LookupError:
            f, l = "", ""
        print("%d,%d,%s,%d,%s,%s,%s" % (pid, i, fr.name or hex(fr.pc), 1 if fr.is_inline else 0, f, l, hex(fr.pc)))
