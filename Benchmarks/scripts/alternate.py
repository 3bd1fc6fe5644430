#!/usr/bin/env python3
"""Runs commands in alternation (round r runs every command once, in turn),
so that a machine whose load changes over time weighs on all of them alike,
and prints JSON: per command the median wall time, the median CPU time
(user + system, from wait4: far less sensitive to other processes on a shared
machine than wall time). Peak RSS is measured apart (/usr/bin/time): wait4's
ru_maxrss also counts the spawning Python's memory before the exec.

    alternate.py RUNS WARMUP NAME CMD [NAME CMD ...]     (CMD: one shell-free string, split on spaces
                                                         unless it starts with 'sh:' for /bin/sh -c)"""
import json
import os
import shlex
import statistics
import sys
import time

runs, warmup = int(sys.argv[1]), int(sys.argv[2])
pairs = list(zip(sys.argv[3::2], sys.argv[4::2]))


def run(cmd):
    argv = ["/bin/sh", "-c", cmd[3:]] if cmd.startswith("sh:") else shlex.split(cmd)
    t0 = time.perf_counter()
    # posix_spawn (vfork): the child's peak RSS is its own, not a copy of this Python's
    devnull = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=devnull)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({status}): {cmd}")
    return wall, ru.ru_utime + ru.ru_stime


results = {name: {"wall": [], "cpu": []} for name, _ in pairs}
for r in range(warmup + runs):
    for name, cmd in pairs:
        wall, cpu = run(cmd)
        if r >= warmup:
            res = results[name]
            res["wall"].append(wall)
            res["cpu"].append(cpu)
out = {}
for name, res in results.items():
    out[name] = {"wall": statistics.median(res["wall"]), "cpu": statistics.median(res["cpu"]),
                 "runs": len(res["wall"])}
json.dump(out, sys.stdout)
