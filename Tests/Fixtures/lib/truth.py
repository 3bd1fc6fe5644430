#!/usr/bin/env python3
"""Turn the guest's ground-truth record into the fixture's truth/ files.

usage: truth.py --truth truth.log --serial serial.log --registers FILE
                --vmcoreinfo FILE --scenario sysrq|oops|views --out DIR

truth.log (ttyS1) holds "@@KDSQL-BEGIN label" ... "@@KDSQL-END label" sections
written by guest/init plus one "@@KDSQL-CRASHER pid= ppid= uptime=" line;
serial.log (ttyS0) holds the panic.  File names and CSV columns are the same
as in shared/fixtures (their README documents each), so tests read either.
`views` writes the sysrq files plus those of views.py (slabinfo.csv, ...).
"""
import argparse
import csv
import ipaddress
import json
import os
import re
import shutil

import views

PF_KTHREAD = 0x00200000
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
              7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
# kernel/panic.c taint_flags[]: bit -> letter, name
TAINTS = "P PROPRIETARY_MODULE,F FORCED_MODULE,S CPU_OUT_OF_SPEC,R FORCED_RMMOD,M MACHINE_CHECK,B BAD_PAGE," \
         "U USER,D DIE,A OVERRIDDEN_ACPI_TABLE,W WARN,C CRAP,I FIRMWARE_WORKAROUND,O OOT_MODULE," \
         "E UNSIGNED_MODULE,L SOFTLOCKUP,K LIVEPATCH,X AUX,T RANDSTRUCT,N TEST".split(",")
TS = re.compile(r"^\[\s*([\d.]+)\] ?(.*)$")


def lines_of(path):
    return open(path, "rb").read().decode("utf-8", "replace").replace("\r", "").split("\n")


def sections(lines):
    secs, crasher, cur, inside = {}, {}, None, False
    for l in lines:
        m = re.match(r"@@KDSQL-CRASHER pid=(\d+) ppid=(\d+) uptime=(.*)$", l)
        if m:
            crasher = {"pid": int(m[1]), "ppid": int(m[2]), "uptime": m[3].strip()}
        elif l in ("@@KDSQL-TRUTH-BEGIN", "@@KDSQL-TRUTH-END"):
            inside = l.endswith("BEGIN")
        elif inside and l.startswith("@@KDSQL-BEGIN "):
            cur = l[14:]
            secs[cur] = []
        elif inside and l.startswith("@@KDSQL-END "):
            cur = None
        elif inside and cur is not None:
            secs[cur].append(l)
    if "pids" not in secs:
        raise SystemExit("truth record incomplete: no pids section")
    return secs, crasher


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_lines(path, lines):
    with open(path, "w") as f:
        f.writelines(l + "\n" for l in lines)


def kb(v):
    return int(v.split()[0]) if v else 0


def tasks_and_stacks(secs):
    tasks, stacks = [], []
    for p in (int(x) for x in secs["pids"] if x.strip()):
        tids = sorted(int(m[1]) for k in secs for m in [re.match(r"pid=%d tid=(\d+) stat$" % p, k)] if m)
        for tid, key in [(p, "pid=%d" % p)] + [(t, "pid=%d tid=%d" % (p, t)) for t in tids]:
            stat = secs.get(key + " stat", [""])[0]
            if not stat.strip():
                continue  # exited while the record was written
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            f = stat[stat.rindex(")") + 2:].split()  # f[0] is field 3 (state)
            flags = int(f[6])
            kthread = flags & PF_KTHREAD != 0
            st = dict(l.split(":", 1) for l in secs.get(key + " status", []) if ":" in l)
            st = {k: v.strip() for k, v in st.items()}
            uid, gid = st.get("Uid", "0").split(), st.get("Gid", "0").split()
            tgid = int(st.get("Tgid", tid))
            # task_struct.comm lacks the "-events" style suffix /proc adds to kworkers
            tcomm = re.match(r"kworker/[^-+]*", comm)[0] if kthread and comm.startswith("kworker/") else comm[:15]
            tasks.append({"pid": tid, "tgid": tgid, "ppid": int(st.get("PPid", f[1])), "comm": tcomm,
                          "state": f[0], "uid": int(uid[0]), "vsz_kb": kb(st.get("VmSize")),
                          "rss_kb": kb(st.get("VmRSS")), "euid": int(uid[1 if len(uid) > 1 else 0]),
                          "gid": int(gid[0]), "nthreads": int(f[17]), "is_kthread": int(kthread),
                          "flags": "0x%x" % flags, "start_time_ticks": int(f[19]), "last_cpu": int(f[36]),
                          "nice": int(f[16]), "wchan": "".join(secs.get("pid=%d wchan" % p, [])) if tid == p else "",
                          "proc_comm": comm, "cmdline": " ".join(secs.get("pid=%d cmdline" % p, []))})
            for i, fr in enumerate(secs.get(key + " stack", [])):
                m = re.match(r"\[<[0-9a-f]+>\] ([^+\s]+)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\S+)\])?", fr)
                if m:
                    stacks.append([tid, tgid, comm, i, m[1], "0x" + m[2], "0x" + m[3], m[4] or ""])
                elif fr.strip():
                    stacks.append([tid, tgid, comm, i, fr.strip(), "", "", ""])
    tasks.sort(key=lambda t: t["pid"])
    return tasks, stacks


def maps_rows(secs):
    rows = []
    for p in (int(x) for x in secs["pids"] if x.strip()):
        for l in secs.get("pid=%d maps" % p, []):
            if l.strip():
                f = l.split(None, 5)
                start, end = f[0].split("-")
                rows.append([p, "0x%x" % int(start, 16), "0x%x" % int(end, 16), f[1], "0x%x" % int(f[2], 16),
                             f[3], int(f[4]), f[5] if len(f) > 5 else ""])
    return rows


def fd_rows(secs):
    rows, pid = [], None
    for l in secs.get("fds", []):
        m = re.match(r"^/proc/(\d+)/fd:$", l)
        if m:
            pid = int(m[1])
        elif pid is not None and " -> " in l:
            fd, target = l.split(None, 8)[8].split(" -> ", 1)
            rows.append([pid, int(fd), target])
    return sorted(rows, key=lambda r: (r[0], r[1]))


def addr(h):
    ip, port = h.split(":")
    raw = bytes.fromhex(ip)  # /proc/net prints each 32-bit word in host (little-endian) order
    return str(ipaddress.ip_address(b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)))), int(port, 16)


def socket_rows(secs, proto):
    rows = []
    for label, fam in (("net-" + proto, "inet"), ("net-%s6" % proto, "inet6")):
        for l in secs.get(label, [])[1:]:
            f = l.split()
            if len(f) < 10 or not f[0].endswith(":"):
                continue
            (la, lp), (ra, rp), st = addr(f[1]), addr(f[2]), int(f[3], 16)
            name = TCP_STATES.get(st, str(st)) if proto == "tcp" else {7: "UNCONN", 1: "ESTABLISHED"}.get(st, str(st))
            txq, rxq = f[4].split(":")
            rows.append([fam, la, lp, ra, rp, name, "%02X" % st, int(txq, 16), int(rxq, 16), int(f[7]), int(f[9])])
    return rows


def netdev_rows(secs):
    v4, v6, stats, rows = {}, {}, {}, []
    for l in secs.get("ip-o-addr", []):
        m = re.match(r"^\d+:\s+(\S+)\s+(inet6?)\s+(\S+)", l)
        if m:
            (v4 if m[2] == "inet" else v6).setdefault(m[1], []).append(m[3])
    for l in secs.get("net-dev", [])[2:]:
        if ":" in l:
            n, rest = l.split(":", 1)
            f = rest.split()
            stats[n.strip()] = [f[0], f[1], f[8], f[9]]
    for n in sorted({m[1] for k in secs for m in [re.match(r"netdev=(\S+) ifindex$", k)] if m}):
        g = lambda a: "".join(secs.get("netdev=%s %s" % (n, a), [])).strip()
        rows.append([n, int(g("ifindex")), ";".join(v4.get(n, [])), int(g("mtu")), g("address"), g("operstate"),
                     g("flags"), g("type"), ";".join(v6.get(n, []))] + stats.get(n, ["", "", "", ""]))
    return sorted(rows, key=lambda r: r[1])


def console(serial):
    """(uptime, text) of every timestamped console line of the crashed kernel."""
    return [(m[1], m[2]) for m in map(TS.match, serial) if m]


def sysrq_panic(lines):
    panic = {}
    for u, t in lines:
        m = re.match(r"Kernel panic - not syncing: (.*)$", t)
        if m and "panic_message" not in panic:
            panic.update(panic_uptime=u, panic_message=m[1])
        m = re.search(r"CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)", t)
        if m and "panic_cpu" not in panic:
            panic.update(panic_cpu=int(m[1]), panic_pid=int(m[2]), panic_comm=m[3])
        m = re.match(r"Kernel Offset: (0x[0-9a-f]+|disabled)", t)
        if m:
            panic["kernel_offset"] = m[1]
    return panic


def oops_decode(lines):
    """The Oops of kdsql_oops.ko as printed on the console."""
    oops, trace, in_trace = {}, [], False
    start = next(i for i, (_, t) in enumerate(lines) if t.startswith("BUG: "))
    pats = [
        (r"BUG: (.*), address: ([0-9a-f]+)$", lambda m, u: dict(oops_bug=m[0], oops_uptime=u, fault_address="0x" + m[2])),
        (r"#PF: error_code\((0x[0-9a-f]+)\) - (.*)$", lambda m, u: dict(pf_error_code=m[1], pf_error_text=m[2])),
        (r"#PF: (?!error_code)(.*)$", lambda m, u: dict(pf_access=m[1])),
        (r"(?:Oops: )+([0-9a-f]{4}) \[#(\d+)\]\s*(.*)$",
         lambda m, u: dict(oops_line=m[0], oops_error_code="0x" + m[1], die_counter=int(m[2]), oops_flags=m[3].strip())),
        (r"CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+) (?:Tainted: (.{19})|Not tainted)",
         lambda m, u: dict(oops_cpu=int(m[1]), oops_pid=int(m[2]), oops_comm=m[3], cpu_line=m.string,
                           tainted_console=(m[4] or "Not tainted").rstrip(), _taint_column=m[4] or "")),
        (r"Tainted: (\[.*)$", lambda m, u: dict(tainted_verbose=m[1])),  # 6.12+
        (r"RIP: ([0-9a-f]{4}):(\S+?)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\S+)\])?",
         lambda m, u: dict(rip_line=m[0], rip_cs="0x" + m[1], rip_function=m[2], rip_offset="0x" + m[3],
                           rip_size="0x" + m[4], rip_module=m[5] or "")),
        (r"RSP: [0-9a-f]{4}:([0-9a-f]+) EFLAGS: ([0-9a-f]+)", lambda m, u: dict(rsp="0x" + m[1], eflags="0x" + m[2])),
        # page_fault_oops() prints the real fault address on a line of its own; the
        # register dump's CR2 may already be overwritten by the "Code:" read
        (r"CR2: ([0-9a-f]+)$", lambda m, u: dict(cr2="0x" + m[1])),
        (r"CR2: ([0-9a-f]+) CR3: ([0-9a-f]+)", lambda m, u: dict(cr2_in_register_dump="0x" + m[1], cr3="0x" + m[2])),
        (r"Code: .*", lambda m, u: dict(code_line=m[0])),
        (r"Modules linked in:(.*)", lambda m, u: dict(modules_linked_in=m[1].strip())),
        (r"---\[ end trace.*", lambda m, u: dict(end_trace_line=m[0])),
        (r"Kernel panic - not syncing: (.*)$", lambda m, u: dict(panic_message=m[1], panic_uptime=u)),
    ]
    for u, t in lines[start:]:
        if t == "Call Trace:" and not trace:
            in_trace = True
            continue
        if in_trace:
            m = re.match(r"\s*(\? )?(\S+?)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\S+)\])?$", t)
            if m:
                trace.append([len(trace), m[2], "0x" + m[3], "0x" + m[4], m[5] or "", 0 if m[1] else 1])
            in_trace = t.strip() != "</TASK>"
        for pat, get in pats:
            m = re.match(pat, t)
            if m:
                for k, v in get(m, u).items():
                    oops.setdefault(k, v)
        m = re.match(r"Kernel Offset: (0x[0-9a-f]+|disabled)", t)
        if m:
            oops["kernel_offset"] = m[1]
    return oops, trace


def main():
    ap = argparse.ArgumentParser()
    for a in ("truth", "serial", "registers", "vmcoreinfo", "out"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--scenario", choices=["sysrq", "oops", "views"], default="sysrq")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    out = lambda n: os.path.join(a.out, n)
    secs, crasher = sections(lines_of(a.truth))

    tasks, stacks = tasks_and_stacks(secs)
    tcols = ["pid", "tgid", "ppid", "comm", "state", "uid", "vsz_kb", "rss_kb", "euid", "gid", "nthreads",
             "is_kthread", "flags", "start_time_ticks", "last_cpu", "nice", "wchan", "proc_comm", "cmdline"]
    write_csv(out("tasks.csv"), tcols, [[t[c] for c in tcols] for t in tasks])
    write_csv(out("stacks.csv"), ["pid", "tgid", "comm", "frame", "function", "offset", "size", "module"], stacks)
    maps = maps_rows(secs)
    write_csv(out("maps.csv"), ["pid", "start", "end", "perms", "offset", "dev", "inode", "path"], maps)
    fds = fd_rows(secs)
    write_csv(out("fds.csv"), ["pid", "fd", "target"], fds)
    mods = [[f[0], int(f[1]), int(f[2]), f[3].rstrip(",") if f[3] != "-" else "", f[4], f[5], " ".join(f[6:])]
            for f in (l.split() for l in secs.get("modules", []) if l.strip())]
    write_csv(out("modules.csv"), ["name", "size", "refcount", "used_by", "state", "address", "taint"], mods)
    mounts = []
    for l in secs.get("mountinfo", []):
        if l.strip():
            pre, post = l.split(" - ", 1)
            p, q = pre.split(), post.split()
            mounts.append([q[1], p[4], q[0], p[5], int(p[0]), int(p[1]), p[2], p[3], q[2] if len(q) > 2 else ""])
    write_csv(out("mounts.csv"), ["device", "mountpoint", "fstype", "options", "mount_id", "parent_id",
                                  "major_minor", "root", "super_options"], mounts)
    nd = netdev_rows(secs)
    write_csv(out("netdevs.csv"), ["name", "ifindex", "ipv4", "mtu", "mac", "operstate", "flags", "type", "ipv6",
                                   "rx_bytes", "rx_packets", "tx_bytes", "tx_packets"], nd)
    scols = ["family", "local_addr", "local_port", "remote_addr", "remote_port", "state", "state_hex",
             "tx_queue", "rx_queue", "uid", "inode"]
    write_csv(out("tcp.csv"), scols, socket_rows(secs, "tcp"))
    write_csv(out("udp.csv"), scols, socket_rows(secs, "udp"))
    plain = {"dmesg-r": "dmesg", "kmsg": "kmsg", "uname-a": "uname", "cmdline": "cmdline", "tainted": "tainted",
             "loadavg": "loadavg", "meminfo": "meminfo", "hostname": "hostname", "mountinfo": "mountinfo",
             "mounts": "proc-mounts", "modules": "proc-modules", "timer_list": "timer_list", "iomem": "iomem",
             "kallsyms-selected": "kallsyms-selected", "stat": "proc-stat", "net-unix": "net-unix",
             "net-route": "net-route", "ip-o-addr": "ip-o-addr", "ip-o-link": "ip-o-link", "ip-route": "ip-route",
             "net-dev": "net-dev", "net-tcp": "proc-net-tcp", "net-tcp6": "proc-net-tcp6", "net-udp": "proc-net-udp",
             "net-udp6": "proc-net-udp6", "net-if_inet6": "if_inet6", "osrelease": "osrelease",
             "version": "version", "filesystems": "filesystems"}
    for label, name in plain.items():
        if label in secs:
            write_lines(out(name + ".txt"), secs[label])
    shutil.copyfile(a.registers, out("cpu-registers.txt"))
    shutil.copyfile(a.vmcoreinfo, out("vmcoreinfo.txt"))

    up = ["%s %s" % (l, " ".join(secs[l])) for l in ("uptime-start", "uptime-after-tasks", "uptime-end") if l in secs]
    if crasher:
        up.append("crasher-start %s" % crasher["uptime"])
    serial = lines_of(a.serial)
    lines = console(serial)
    user = [t for t in tasks if not t["is_kthread"]]
    leaders = [t for t in user if t["pid"] == t["tgid"]]
    comms = {}
    for t in leaders:
        comms[t["comm"]] = comms.get(t["comm"], 0) + 1
    summary = {"tasks_total": len(tasks), "kernel_threads": len(tasks) - len(user), "user_tasks": len(user),
               "user_processes": len(leaders), "user_process_comm_counts": comms,
               "bash_processes_in_snapshot": comms.get("bash", 0)}
    crash = ["crasher_pid=%s" % crasher.get("pid", ""), "crasher_ppid=%s" % crasher.get("ppid", "")]

    if a.scenario in ("sysrq", "views"):
        panic = sysrq_panic(lines)
        up.append("panic %s" % panic.get("panic_uptime", ""))
        i0 = next((i for i, l in enumerate(serial) if "sysrq: Trigger a crash" in l), len(serial))
        write_lines(out("console-panic.txt"), [l for l in serial[i0:] if l.strip()])
        crash += ["crasher_comm=bash", "crasher_uptime_at_start=%s" % crasher.get("uptime", "")]
        crash += ["%s=%s" % kv for kv in panic.items()]
        summary.update(bash_processes_at_crash=comms.get("bash", 0) + 1, crasher=crasher, panic=panic)
    else:
        oops, trace = oops_decode(lines)
        i0 = next(i for i, (_, t) in enumerate(lines) if "kdsql_oops: loading out-of-tree module" in t
                  or t.startswith("BUG: "))
        write_lines(out("console-panic.txt"), ["[%12s] %s" % ut for ut in lines[i0:] if ut[1].strip()])
        write_csv(out("oops-call-trace.csv"), ["frame", "function", "offset", "size", "module", "reliable"], trace)
        col = oops.pop("_taint_column", "")
        bits = [(b, s.split()) for b, s in enumerate(TAINTS) if b < len(col) and col[b] == s[0]]
        tv = sum(1 << b for b, _ in bits)
        expected = tv | 1 << 7  # oops_end() adds TAINT_DIE (D) after printing the Oops, then panics
        write_lines(out("tainted-at-crash.txt"), [
            "tainted_before_module_load=%s" % "".join(secs.get("tainted", [])).strip(),
            "console_tainted_string=%s" % oops.get("tainted_console", ""),
            "console_tainted_value=%d" % tv,
            "console_tainted_flags=%s" % " ".join("%s(%s,bit %d)" % (c, n, b) for b, (c, n) in bits),
            "console_tainted_verbose=%s" % oops.get("tainted_verbose", ""),
            "expected_tainted_mask_in_dump=%d" % expected,
            "expected_tainted_mask_in_dump_hex=0x%x" % expected,
            "expected_tainted_mask_reason=oops_end() adds TAINT_DIE (D, bit 7) after printing the Oops, "
            "then calls panic(\"Fatal exception\") (panic_on_oops=1)"])
        oops.update(tainted_console_value=tv, expected_tainted_mask_in_dump=expected)
        up += ["oops %s" % oops.get("oops_uptime", ""), "panic %s" % oops.get("panic_uptime", "")]
        crash += ["crasher_comm=insmod", "crasher_exec=bash -c '... exec insmod kdsql_oops.ko' (same pid)",
                  "crasher_uptime_at_start=%s" % crasher.get("uptime", ""), "scenario=oops"]
        crash += ["%s=%s" % kv for kv in oops.items()]
        summary.update(scenario="oops", bash_processes_at_crash=comms.get("bash", 0), insmod_processes_at_crash=1,
                       crasher=crasher, oops=oops,
                       panic={k: oops[k] for k in ("panic_message", "panic_uptime", "kernel_offset") if k in oops},
                       oops_call_trace=[r[1] + ("" if r[5] else " (?)") for r in trace])
    write_lines(out("uptime.txt"), up)
    write_lines(out("crash.txt"), crash)
    summary.update(sections=len(secs), maps_rows=len(maps), fd_rows=len(fds), modules=[m[0] for m in mods],
                   netdevs=[r[0] for r in nd])
    if a.scenario == "views":
        summary.update(scenario="views", views=views.truth(secs, out, tasks, write_csv, write_lines))
    with open(out("summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print("truth: %d tasks (%d kernel threads), %d bash in the snapshot, %d maps rows, %d fds" % (
        len(tasks), summary["kernel_threads"], summary["bash_processes_in_snapshot"], len(maps), len(fds)))


if __name__ == "__main__":
    main()
