#!/usr/bin/env python3
"""drgn's side of compare-scale.sh: the same objects kdsql's tables read.

    drgn_scale.py WHAT VMLINUX DUMP
      open    load the dump and the vmlinux's debug info, nothing else
      seed    how many tasks are called bash?
      tasks   every task (thread) of the task list, its pid and comm
      vmas    every mapping of every process (for_each_vma), start and end
      files   every open file of every process with its d_path

Prints the number of rows on stdout and, on stderr, "walk SECONDS": the walk
alone, after drgn's start-up."""
import sys
import time

import drgn
from drgn.helpers.linux.fs import d_path, for_each_file
from drgn.helpers.linux.mm import for_each_vma
from drgn.helpers.linux.pid import for_each_task

what, vmlinux, dump = sys.argv[1:4]
prog = drgn.Program()
prog.set_core_dump(dump)
prog.load_debug_info([vmlinux])
t0 = time.perf_counter()
n = 0
if what == "seed":
    n = sum(1 for t in for_each_task(prog) if t.comm.string_() == b"bash")
elif what == "tasks":
    for t in for_each_task(prog):
        t.pid.value_()
        t.comm.string_()
        n += 1
elif what == "vmas":
    for t in for_each_task(prog):
        if t.pid != t.tgid or not t.mm:  # processes with an address space, like kdsql's vmas
            continue
        for v in for_each_vma(t.mm):
            v.vm_start.value_()
            v.vm_end.value_()
            n += 1
elif what == "files":
    for t in for_each_task(prog):
        if t.pid != t.tgid:
            continue
        for fd, f in for_each_file(t):
            try:
                d_path(f.f_path.address_of_())
            except Exception:  # noqa: BLE001 - an unreadable path still counts as a row
                pass
            n += 1
print(n)
print(f"walk {time.perf_counter() - t0:.4f}", file=sys.stderr)
