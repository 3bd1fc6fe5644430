#!/usr/bin/env python3
"""Dump a panicked QEMU guest through QMP (standard library only).

usage: qmp.py SOCKET RUNDIR

Stops the guest first, so every dump describes the same memory, saves
`info registers -a` as RUNDIR/qemu-registers.txt, writes
RUNDIR/vmcore-qemu.elf (dump-guest-memory, ELF) and
RUNDIR/vmcore-qemu-zlib.kdump (format kdump-zlib), then quits QEMU.
"""
import json
import os
import socket
import sys
import time


class QMP:
    def __init__(self, path):
        deadline = time.time() + 60
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        self.sock.settimeout(600)
        self.buf = b""
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:
            r = self.read()
            if "event" in r:
                continue
            if "error" in r:
                raise RuntimeError("%s: %s" % (name, r["error"]["desc"]))
            return r["return"]


def dump(q, path, fmt=None):
    args = {"paging": False, "protocol": "file:" + os.path.abspath(path), "detach": True}
    if fmt:
        args["format"] = fmt
    q.cmd("dump-guest-memory", **args)
    while True:
        st = q.cmd("query-dump")["status"]
        if st in ("completed", "failed"):
            break
        time.sleep(0.2)
    if st != "completed":
        raise RuntimeError("dump-guest-memory %s: %s" % (fmt or "elf", st))
    print("qmp: %s %d bytes" % (os.path.basename(path), os.path.getsize(path)), flush=True)


def main():
    sock, run = sys.argv[1:3]
    q = QMP(sock)
    q.cmd("stop")
    regs = q.cmd("human-monitor-command", **{"command-line": "info registers -a"})
    with open(os.path.join(run, "qemu-registers.txt"), "w") as f:
        f.write(regs)
    dump(q, os.path.join(run, "vmcore-qemu.elf"))
    if "kdump-zlib" in q.cmd("query-dump-guest-memory-capability")["formats"]:
        dump(q, os.path.join(run, "vmcore-qemu-zlib.kdump"), "kdump-zlib")
    try:
        q.cmd("quit")
    except (EOFError, OSError):
        pass


if __name__ == "__main__":
    main()
