#!/usr/bin/env python3
"""The seed question answered by drgn, for the end-to-end comparison with
kdsql: how many tasks are called bash? Usage: drgn_bash_count.py VMLINUX DUMP"""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

prog = drgn.Program()
prog.set_core_dump(sys.argv[2])
prog.load_debug_info([sys.argv[1]])
print(sum(1 for t in for_each_task(prog) if t.comm.string_() == b"bash"))
