#!/usr/bin/env python3
"""Regenerates the README's generated sections from the built kdsql:

- between <!-- BEGIN walkthrough --> and <!-- END walkthrough -->: the worked
  investigation, each step's SQL run on the bundled sample dump with its real
  output;
- between <!-- BEGIN table-reference --> and <!-- END table-reference -->:
  `kdsql --table-reference`, generated from the definitions in Grammar/.

Usage: swift build && Scripts/update-readme.py   (a test checks the reference is current)
"""
import os
import pty
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KDSQL = os.path.join(ROOT, ".build", "debug", "kdsql")

# (heading, what the engineer is asking, arguments after `kdsql`)
STEPS = [
    ("sys", "What crashed, when, and on what machine? With no SQL, `--sample` prints crash's `sys` header and answers the seed question.",
     ["--sample"]),
    ("panic", "Why did it die? The panic string, CPU, task and the instruction, decoded (the Oops columns are NULL here: sysrq-c calls panic() directly).",
     ["--sample", "--format", "line", "SELECT message, cpu, pid, comm, ip_symbol, error_code, summary FROM panic"]),
    ("bt", "The call chain that led to the panic (crash `bt`): the saved query `bt` defaults to the panic task; `--param pid=N` picks another.",
     ["--sample", "-q", "bt"]),
    ("log", "The end of the kernel log (crash `log`).",
     ["--sample", "SELECT seq, printf('%.6f', ts_ns / 1e9) AS time, level, text FROM log ORDER BY seq DESC LIMIT 6"]),
    ("ps", "The process list (crash `ps`), first rows; the full crash-style list is the saved query `ps` (`kdsql DUMP -q ps`).",
     ["--sample", "SELECT * FROM (SELECT pid, ppid, cpu, task, state, rss_kb, comm FROM tasks ORDER BY pid) LIMIT 8"]),
    ("bash count", "The seed's `ps | fgrep bash | wc -l`.",
     ["--sample", "-q", "bash_count"]),
    ("files", "Open files of one process (crash `files`).",
     ["--sample", "SELECT fd, type, path FROM files WHERE pid = (SELECT pid FROM tasks WHERE comm = 'kdsql-fdholder')"]),
    ("vm", "Its memory map (crash `vm`), first rows.",
     ["--sample", "SELECT start, end, perms, path FROM vmas WHERE pid = (SELECT pid FROM tasks WHERE comm = 'kdsql-fdholder') LIMIT 6"]),
    ("net", "Network devices and listening sockets (crash `net`, `net -s`).",
     ["--sample", "SELECT name, ifindex, mtu, mac FROM net_devices; SELECT pid, family, local_addr, local_port, state FROM sockets WHERE state = 'LISTEN' ORDER BY local_port"]),
]


def run(args):
    """Runs kdsql with its output on a pseudo-terminal, so it writes what a
    person at a terminal sees (tables, the sys banner)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([KDSQL] + args, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = p.stderr.read().decode()
    p.wait()
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    if p.returncode != 0:
        out += err
    # Paths of this checkout would mean nothing in the README.
    return out.replace(ROOT + "/", "").rstrip("\n")


def shell_quote(a):
    return a if re.fullmatch(r"[\w./=-]+", a) else "'" + a.replace("'", "'\\''") + "'"


def walkthrough():
    parts = []
    for heading, why, args in STEPS:
        parts.append(f"#### {heading}\n\n{why}\n\n```console\n$ kdsql {' '.join(shell_quote(a) for a in args)}\n{run(args)}\n```\n")
    return "\n".join(parts)


def replace(text, name, body):
    pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"README.md has no {name} markers")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)


def main():
    path = os.path.join(ROOT, "README.md")
    text = open(path).read()
    text = replace(text, "walkthrough", walkthrough())
    text = replace(text, "table-reference", run(["--table-reference"]))
    open(path, "w").write(text)


if __name__ == "__main__":
    main()
