"""The `views` scenario's extra truth files, from the sections guest/init adds
(slabinfo, vmstat, ..., pidinfo).  Names and columns are those of
shared/fixtures/linux-6.1-cloud-amd64-views/truth (its README documents them),
so the view tests read a generated set and the shared one alike."""
import ipaddress
import re


def status(lines):
    return {k: v.strip() for k, v in (l.split(":", 1) for l in lines if ":" in l)}


def kb(v):
    return int(v.split()[0]) if v else 0


def ipv4_le(h):  # /proc/net/route prints addresses as little-endian hex words
    return str(ipaddress.IPv4Address(bytes.fromhex(h)[::-1]))


def ipv6_hex(h):
    return str(ipaddress.IPv6Address(bytes.fromhex(h)))


def routes_v4(lines, netns):
    """/proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT"""
    rows = []
    for f in (l.split() for l in lines[1:]):
        if len(f) >= 11:
            gw = ipv4_le(f[2])
            plen = ipaddress.IPv4Network("0.0.0.0/" + ipv4_le(f[7])).prefixlen
            rows.append([netns, "inet", "%s/%d" % (ipv4_le(f[1]), plen), "" if gw == "0.0.0.0" else gw, f[0],
                         int(f[6]), "0x%04x" % int(f[3], 16), "main", "/proc/net/route"])
    return rows


def routes_v6(lines, netns):
    """/proc/net/ipv6_route (every table): dst dstlen src srclen nexthop metric refcnt use flags dev"""
    rows = []
    for f in (l.split() for l in lines):
        if len(f) >= 10:
            gw = ipv6_hex(f[4])
            rows.append([netns, "inet6", "%s/%d" % (ipv6_hex(f[0]), int(f[1], 16)), "" if gw == "::" else gw, f[9],
                         int(f[5], 16), "0x%08x" % int(f[8], 16), "", "/proc/net/ipv6_route"])
    return rows


def neighbours(lines, netns):
    """busybox `ip neigh show`: ADDR dev DEV [lladdr MAC] [router] [used a/b/c probes N] STATE"""
    rows = []
    for f in (l.split() for l in lines):
        if len(f) < 3 or "dev" not in f:
            continue
        kv, words, i = {}, [], 1
        while i < len(f):
            if f[i] in ("dev", "lladdr", "used", "probes") and i + 1 < len(f):
                kv[f[i]] = f[i + 1]
                i += 2
            else:
                words.append(f[i])
                i += 1
        rows.append([netns, "inet6" if ":" in f[0] else "inet", f[0], kv.get("dev", ""), kv.get("lladdr", ""),
                     " ".join(w for w in words if w.isupper()), " ".join(w for w in words if not w.isupper())])
    return rows


def sched_ns(v):
    """/proc/PID/sched prints nanoseconds as "%lld.%06ld" milliseconds."""
    m = re.match(r"(-?)(\d+)\.(\d{6})$", v or "")
    return "" if not m else (-1 if m[1] else 1) * (int(m[2]) * 1000000 + int(m[3]))


def truth(secs, out, tasks, write_csv, write_lines):
    info = {}
    pidset = {t["pid"] for t in tasks}
    comm = {t["pid"]: t["comm"] for t in tasks}
    one = lambda label: "".join(secs.get(label, [])).strip()

    rows = []  # /proc/slabinfo 2.1: name active num objsize objperslab pagesperslab : tunables ... : slabdata a n s
    for l in secs.get("slabinfo", []):
        if l.strip() and not l.startswith(("slabinfo", "#")):
            f, sd = l.split(":")[0].split(), l.split("slabdata")[1].split()
            rows.append([f[0]] + [int(x) for x in f[1:6]] + [int(sd[0]), int(sd[1])])
    write_csv(out("slabinfo.csv"), ["name", "active_objs", "num_objs", "objsize", "objperslab", "pagesperslab",
                                    "active_slabs", "num_slabs"], rows)
    info["slab_caches"] = len(rows)

    write_csv(out("vmstat.csv"), ["name", "value"],
              [[f[0], int(f[1])] for f in (l.split() for l in secs.get("vmstat", [])) if len(f) == 2])
    rows = [[int(m[1]), m[2]] + [int(x) for x in m[3].split()]
            for m in (re.match(r"Node (\d+), zone\s+(\S+)\s+(.*)$", l) for l in secs.get("buddyinfo", [])) if m]
    write_csv(out("buddyinfo.csv"), ["node", "zone"] + ["order_%d" % i for i in range(max((len(r) - 2 for r in rows),
                                                                                           default=11))], rows)

    lines = secs.get("interrupts", [])
    cpus = lines[0].split() if lines else []
    rows = []
    for l in lines[1:]:
        m = re.match(r"\s*([^:\s]+):\s*(.*)$", l)
        if not m:
            continue
        irq, rest = m[1], m[2].split()
        counts = []
        while rest and rest[0].isdigit() and len(counts) < len(cpus):
            counts.append(int(rest.pop(0)))
        chip = hwirq = trigger = ""
        if irq.isdigit() and len(rest) >= 2:  # numbered IRQs: chip, hwirq-trigger, actions
            chip = rest.pop(0)
            hwirq, _, trigger = rest.pop(0).partition("-")
        rows.append([irq] + counts + [""] * (len(cpus) - len(counts)) + [chip, hwirq, trigger, " ".join(rest)])
    write_csv(out("interrupts.csv"), ["irq"] + [c.lower() for c in cpus] + ["chip", "hwirq", "trigger", "name"], rows)

    rows = [[f[0], f[1], int(f[2]), int(f[3]), int(f[4])]
            for f in (l.split() for l in secs.get("swaps", [])[1:]) if len(f) >= 5]
    write_csv(out("swaps.csv"), ["filename", "type", "size_kb", "used_kb", "priority"], rows)
    info["swap_used_kb"] = sum(r[3] for r in rows)
    rows = []
    for t in tasks:
        if t["pid"] == t["tgid"] and not t["is_kthread"]:
            st = status(secs.get("pid=%d status" % t["pid"], []))
            rows.append([t["pid"], t["comm"]] + [kb(st.get(k)) for k in
                                                 ("VmSwap", "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmSize")])
    write_csv(out("vmswap.csv"), ["pid", "comm", "vmswap_kb", "vmrss_kb", "rss_anon_kb", "rss_file_kb",
                                  "rss_shmem_kb", "vmsize_kb"], rows)

    for kind in ("shm", "sem", "msg"):  # the root IPC namespace, and kdsql-utsns' for shm
        sources = [("root", secs.get("sysvipc-" + kind, []))]
        if kind == "shm":
            sources.append(("kdsql-utsns", secs.get("utsns sysvipc-shm", [])))
        header, rows = [], []
        for ns, lines in sources:
            if lines:
                header = header or lines[0].split()
                rows += [[ns, "0x%08x" % (int(f[0]) & 0xffffffff)] + [int(x) if re.match(r"-?\d+$", x) else x for x in f]
                         for f in (l.split() for l in lines[1:]) if len(f) == len(header)]
        write_csv(out("ipc_%s.csv" % kind), ["ipc_ns", "key_hex"] + header, rows)
        info["ipc_" + kind] = len(rows)

    rows, kind = [], ""
    for l in secs.get("devices", []):
        if l.startswith(("Character devices", "Block devices")):
            kind = "char" if l.startswith("Char") else "block"
        elif l.strip():
            f = l.split(None, 1)
            rows.append([kind, int(f[0]), f[1].strip()])
    write_csv(out("devices.csv"), ["type", "major", "name"], rows)
    rows = [[int(f[0]), int(f[1]), int(f[2]), f[3]] + [one("part=%s %s" % (f[3], a)) for a in ("partition", "start", "size")]
            for f in (l.split() for l in secs.get("partitions", [])[1:]) if len(f) == 4]
    write_csv(out("partitions.csv"), ["major", "minor", "blocks_1k", "name", "partition_no", "start_sector",
                                      "size_sectors"], rows)
    rows = [[m[1]] + [one("block=%s %s" % (m[1], a)) for a in ("dev", "size", "ro", "removable", "serial")]
            for m in (re.match(r"block=(\S+) dev$", k) for k in sorted(secs)) if m]
    write_csv(out("disks.csv"), ["name", "dev", "size_sectors", "ro", "removable", "serial"], rows)
    dcols = ["reads", "reads_merged", "sectors_read", "ms_reading", "writes", "writes_merged", "sectors_written",
             "ms_writing", "ios_in_progress", "ms_doing_io", "weighted_ms_doing_io", "discards", "discards_merged",
             "sectors_discarded", "ms_discarding", "flushes", "ms_flushing"]
    rows = [[int(f[0]), int(f[1]), f[2]] + [int(x) for x in f[3:]] + [""] * (len(dcols) - len(f) + 3)
            for f in (l.split() for l in secs.get("diskstats", [])) if len(f) >= 14]
    write_csv(out("diskstats.csv"), ["major", "minor", "name"] + dcols, rows)

    sig, nspids = [], []
    for t in tasks:
        key = "pid=%d" % t["tgid"] + ("" if t["pid"] == t["tgid"] else " tid=%d" % t["pid"])
        st = status(secs.get(key + " status", []))
        sig.append([t["pid"], t["tgid"], t["comm"]] + [st.get(k, "") for k in
                                                       ("SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")])
        nspids.append([t["pid"], t["tgid"], t["comm"]] + [st.get(k, "").replace("\t", " ") for k in
                                                          ("NSpid", "NStgid", "NSpgid", "NSsid")])
    write_csv(out("signals.csv"), ["pid", "tgid", "comm", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"], sig)
    write_csv(out("nspids.csv"), ["pid", "tgid", "comm", "nspid", "nstgid", "nspgid", "nssid"], nspids)

    ns, cg, sq, sd = [], [], {}, {}
    for f in (l.split(" ") for l in secs.get("pidinfo", [])):
        if len(f) < 3 or not f[1].isdigit() or int(f[1]) not in pidset:
            continue  # kdsql-pidinfo's own walk sees helpers the snapshot does not
        pid = int(f[1])
        if f[0] == "N" and len(f) == 4:
            m = re.match(r"\w+:\[(\d+)\]$", f[3])
            ns.append([pid, comm[pid], f[2], int(m[1]) if m else ""])
        elif f[0] == "C":
            h, c, path = " ".join(f[2:]).split(":", 2)
            cg.append([pid, comm[pid], int(h), c, path])
        elif f[0] == "Q" and len(f) == 6:
            sq[(pid, int(f[2]))] = [int(x) for x in f[3:6]]
        elif f[0] == "S" and len(f) == 5:
            sd.setdefault((pid, int(f[2])), {})[f[3]] = f[4]
    write_csv(out("namespaces.csv"), ["pid", "comm", "type", "inode"], ns)
    write_csv(out("cgroups.csv"), ["pid", "comm", "hierarchy_id", "controllers", "path"], cg)
    skeys = ["se.exec_start", "se.vruntime", "se.sum_exec_runtime", "se.nr_migrations", "nr_switches",
             "nr_voluntary_switches", "nr_involuntary_switches", "sum_sleep_runtime", "sum_block_runtime",
             "wait_start", "sleep_start", "block_start", "wait_sum", "wait_count", "iowait_sum", "iowait_count",
             "se.load.weight", "policy", "prio"]
    rows = []
    for pid, tid in sorted(set(sq) | set(sd), key=lambda k: k[1]):
        if tid in comm:
            d = sd.get((pid, tid), {})
            rows.append([tid, pid, comm[tid]] + sq.get((pid, tid), ["", "", ""]) +
                        [sched_ns(d.get("se.exec_start")), sched_ns(d.get("se.vruntime"))] + [d.get(k, "") for k in skeys])
    write_csv(out("schedstat.csv"), ["pid", "tgid", "comm", "sum_exec_runtime_ns", "run_delay_ns", "pcount",
                                     "exec_start_ns", "vruntime_ns"] + skeys, rows)

    rows = []
    for p in sorted(m[1] for m in (re.match(r"cgroup=(\S+) cgroup.controllers$", k) for k in secs) if m):
        g = lambda a: " ".join(x.strip() for x in secs.get("cgroup=%s %s" % (p, a), []) if x.strip())
        procs = sorted(int(x) for x in g("cgroup.procs").split())
        rows.append([p, g("cgroup.controllers"), g("cgroup.subtree_control"), g("memory.max"), g("pids.max"),
                     g("memory.current"), g("memory.swap.current"), g("pids.current"), len(procs),
                     " ".join(map(str, procs))])
    write_csv(out("cgroup_tree.csv"), ["path", "controllers", "subtree_control", "memory.max", "pids.max",
                                       "memory.current", "memory.swap.current", "pids.current", "nprocs", "procs"], rows)
    info["cgroups"] = {r[0]: r[8] for r in rows}

    rows = neighbours(secs.get("ip-neigh", []), "root") + neighbours(secs.get("netns ip-neigh", []), "kdsql-netns")
    write_csv(out("neighbours.csv"), ["netns", "family", "address", "device", "lladdr", "state", "flags"], rows)
    rows = (routes_v4(secs.get("net-route", []), "root") + routes_v6(secs.get("net-ipv6_route", []), "root") +
            routes_v4(secs.get("netns route", []), "kdsql-netns") +
            routes_v6(secs.get("netns ipv6_route", []), "kdsql-netns"))
    write_csv(out("routes.csv"), ["netns", "family", "destination", "gateway", "device", "metric", "flags", "table",
                                  "source"], rows)
    rows = []  # /proc/locks: id: [-> ]CLASS MODE TYPE PID MAJ:MIN:INODE START END
    for l in secs.get("locks", []):
        m = re.match(r"(\d+):\s+(->\s+)?(\S+)\s+(\S+)\s+(\S+)\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s+(\d+)\s+(\S+)", l)
        if m:
            rows.append([int(m[1]), 1 if m[2] else 0, m[3], m[4], m[5], int(m[6]), int(m[7], 16), int(m[8], 16),
                         int(m[9]), int(m[10]), m[11]])
    write_csv(out("locks.csv"), ["id", "blocked_waiter", "class", "mode", "type", "pid", "major", "minor", "inode",
                                 "start", "end"], rows)
    info["locks"] = len(rows)

    copies = {"slabinfo": "slabinfo", "vmstat": "vmstat", "zoneinfo": "zoneinfo", "buddyinfo": "buddyinfo",
              "meminfo-views": "meminfo-views", "interrupts": "interrupts", "softirqs": "softirqs", "swaps": "swaps",
              "sysvipc-shm": "sysvipc-shm", "sysvipc-sem": "sysvipc-sem", "sysvipc-msg": "sysvipc-msg",
              "ipc-objects": "ipc-objects", "ipc-objects-ns": "ipc-objects-ns", "signal-handlers": "signal-handlers",
              "devices": "devices", "misc": "misc", "partitions": "partitions", "diskstats": "diskstats",
              "locks": "proc-locks", "net-arp": "net-arp", "net-ipv6_route": "net-ipv6_route", "ip-neigh": "ip-neigh",
              "ip-6-route": "ip-6-route", "ns-pids": "ns-pids", "netns route": "netns-route",
              "netns ipv6_route": "netns-ipv6_route", "netns arp": "netns-arp", "netns dev": "netns-net-dev",
              "netns ip-neigh": "netns-ip-neigh", "netns ip-route": "netns-ip-route",
              "netns ip-6-route": "netns-ip-6-route", "netns ip-o-addr": "netns-ip-o-addr",
              "netns ip-o-link": "netns-ip-o-link", "utsns hostname": "utsns-hostname",
              "utsns sysvipc-shm": "utsns-sysvipc-shm", "utsns mountinfo": "utsns-mountinfo",
              "pidns mountinfo": "pidns-mountinfo"}
    for label, name in copies.items():
        if label in secs:
            write_lines(out(name + ".txt"), secs[label])
    info["ns_pids"] = {k: int(v) for k, v in (l.split(" ", 1) for l in secs.get("ns-pids", []) if " " in l)
                       if v.strip().isdigit()}
    info["utsns_hostname"] = one("utsns hostname")
    return info
