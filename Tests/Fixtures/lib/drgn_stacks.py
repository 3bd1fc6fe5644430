#!/usr/bin/env python3
"""Record drgn's view of every task's kernel stack: the reference stack_frames
is compared with on kernels whose unwinding kdsql does itself.

usage: drgn_stacks.py DUMP VMLINUX OUTDIR

Writes OUTDIR/stacks.csv (pid, comm, frame, pc, inlined, function: one row per
frame drgn reports; inlined frames share the pc of the frame they are inlined
into) and OUTDIR/info.json (drgn version, dump, counts, seconds).  drgn reads
the dump with the -dbg vmlinux's DWARF and ORC; module frames have no name
(no module debug info is loaded) but their pc is right.
"""
import csv
import json
import os
import sys
import time

import drgn
from drgn.helpers.linux.pid import for_each_task


def main():
    dump, vmlinux, out = sys.argv[1:4]
    t0 = time.time()
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([vmlinux])
    rows, errors, tasks = [], [], 0
    for t in sorted(for_each_task(prog), key=lambda x: (int(x.pid), x.value_())):
        tasks += 1
        pid, comm = int(t.pid), t.comm.string_().decode(errors="replace")
        try:
            for i, fr in enumerate(prog.stack_trace(t)):
                rows.append([pid, comm, i, hex(fr.pc), int(fr.is_inline), fr.name or ""])
        except Exception as e:  # noqa: BLE001 - recorded, not fatal
            errors.append("pid %d: %s: %s" % (pid, type(e).__name__, e))
    with open(os.path.join(out, "stacks.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pid", "comm", "frame", "pc", "inlined", "function"])
        w.writerows(rows)
    info = {"drgn_version": drgn.__version__, "dump": os.path.basename(dump), "tasks": tasks,
            "frames": len(rows), "errors": errors, "seconds": round(time.time() - t0, 2)}
    with open(os.path.join(out, "info.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("drgn oracle: %d tasks, %d frames, %d errors in %.1fs" % (tasks, len(rows), len(errors), info["seconds"]))


if __name__ == "__main__":
    main()
