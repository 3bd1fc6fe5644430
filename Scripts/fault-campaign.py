#!/usr/bin/env python3
"""Fault campaign: runs kdsql on damaged copies of the fixture dumps and
checks the damaged-input contract (README "Damaged dumps"):

  * no crash (a signal, or an exit status other than 0-3),
  * no hang (each run is bounded by --timeout),
  * no changed answer without a word: when the output differs from the clean
    dump's, the run must have said something on stderr (a warning, the
    per-statement summary) or failed with a one-line error.

Damage by format: truncation; random bytes in the headers (ELF header and
program headers, kdump header, sub-header, bitmaps, page descriptors,
flattened record headers); VMCOREINFO values; page data; non-dump inputs
(a directory, an empty file, random bytes). Mutations are drawn from a
seeded generator until --seconds run out. Copies go to a temporary
directory; the fixtures are only read.
"""
import argparse, os, random, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KDSQL = os.path.join(ROOT, ".build", "debug", "kdsql")
FIX = os.environ.get("KDSQL_FIXTURES") or os.path.join(ROOT, "..", "shared", "fixtures")
DUMPS = [
    ("linux-6.1-cloud-amd64", "vmcore-mdf-d31.elf"),
    ("linux-6.1-cloud-amd64", "vmcore-mdf-d31-zlib.kdump"),
    ("linux-6.1-cloud-amd64", "vmcore-mdf-d31-lzo.kdump"),
    ("linux-6.1-cloud-amd64", "vmcore-mdf-d31-zlib.flat"),
    ("linux-6.12-cloud-amd64", "vmcore-mdf-d23-zlib.kdump"),
]
QUERIES = [
    "SELECT nodename, release, panic FROM sys",
    "SELECT count(*), sum(pid) FROM tasks",
    "SELECT count(*) FROM vmas",
    "SELECT count(*) FROM files",
    "SELECT name FROM modules ORDER BY name",
    "SELECT count(*) FROM log",
    "SELECT count(*) FROM stack_frames",
]

ARTIFACTS = os.path.join(ROOT, ".build-faults")

def keep(copy):
    """Keeps a copy that failed in .build-faults/ (outside git) to reproduce it; returns ' (kept as PATH)'."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    kept = os.path.join(ARTIFACTS, "failure-%d-%s" % (len(os.listdir(ARTIFACTS)), os.path.basename(copy)))
    shutil.copyfile(copy, kept)
    return " (kept as %s)" % kept

def run(path, sql, timeout):
    try:
        p = subprocess.run([KDSQL, path, "--format", "csv", sql], capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "hang", b"", b""

def headers_end(data):
    """Where the container's own structures end (ELF: program headers and
    notes; kdump: header, sub-header, bitmaps and descriptors, approximately)."""
    if data[:4] == b"\x7fELF":
        return min(len(data), 1 << 16)
    return min(len(data), 1 << 20)

def mutate(rng, original, data):
    """Returns (kind, bytes) for one damaged copy."""
    size = len(data)
    kind = rng.choice(["truncate", "header-bytes", "header-bytes", "vmcoreinfo", "page-data", "zero-range"])
    b = bytearray(data)
    if kind == "truncate":
        return kind + "@%d%%" % (cut := rng.randint(1, 99)), bytes(b[: size * cut // 100])
    if kind == "header-bytes":
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(headers_end(b))
            b[i] = rng.choice([0, 0xff, rng.randrange(256), b[i] ^ (1 << rng.randrange(8))])
        return kind, bytes(b)
    if kind == "vmcoreinfo":
        at = b.find(b"KERNELOFFSET=") if rng.random() < 0.3 else b.find(b"NUMBER(", rng.randrange(max(1, b.find(b"OSRELEASE="))) if b.find(b"OSRELEASE=") > 0 else 0)
        if at < 0: at = b.find(b"OSRELEASE=")
        if at < 0: return kind, bytes(b)
        eq = b.find(b"=", at)
        for k in range(eq + 1, min(eq + 1 + rng.randint(1, 8), size)):
            if b[k] == 10: break
            b[k] = rng.choice(b"-0123456789abcdefz")
        return kind, bytes(b)
    if kind == "page-data":
        for _ in range(rng.randint(1, 16)):
            i = rng.randrange(headers_end(b), size) if size > headers_end(b) else rng.randrange(size)
            b[i] ^= 1 << rng.randrange(8)
        return kind, bytes(b)
    start = rng.randrange(size)
    n = min(size - start, rng.choice([4096, 65536, 1 << 20]))
    b[start:start + n] = bytes(n)
    return kind + "@%d" % start, bytes(b)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    deadline = time.time() + args.seconds
    tmp = tempfile.mkdtemp(prefix="kdsql-faults-")
    counts = {"runs": 0, "copies": 0, "same": 0, "changed-with-warning": 0, "one-line-error": 0}
    failures = []
    try:
        # Inputs that are not dumps at all.
        os.mkdir(os.path.join(tmp, "dir"))
        open(os.path.join(tmp, "empty"), "wb").close()
        with open(os.path.join(tmp, "random"), "wb") as f: f.write(bytes(rng.randrange(256) for _ in range(65536)))
        for name in ["dir", "empty", "random"]:
            rc, out, err = run(os.path.join(tmp, name), QUERIES[0], args.timeout)
            counts["runs"] += 1
            if rc not in (2,) or len(err.strip().split(b"\n")) != 1:
                failures.append("%s: exit %s, stderr %r" % (name, rc, err[:200]))
        clean = {}
        for s, d in DUMPS:
            path = os.path.join(FIX, s, d)
            if not os.path.exists(path):
                failures.append("fixture missing: %s/%s" % (s, d))
                continue
            clean[(s, d)] = (path, [run(path, q, args.timeout) for q in QUERIES])
        while time.time() < deadline and clean:
            s, d = rng.choice(sorted(clean))
            path, answers = clean[(s, d)]
            with open(path, "rb") as f: data = f.read()
            kind, damaged = mutate(rng, path, data)
            copy = os.path.join(tmp, "copy-" + d)
            with open(copy, "wb") as f: f.write(damaged)
            counts["copies"] += 1
            for q, (crc, cout, _) in zip(QUERIES, answers):
                if time.time() >= deadline: break
                rc, out, err = run(copy, q, args.timeout)
                counts["runs"] += 1
                what = "%s/%s %s: %s" % (s, d, kind, q)
                if rc == "hang":
                    failures.append("HANG " + what + keep(copy)); continue
                if rc < 0 or rc > 3:
                    failures.append("CRASH (exit %d) %s%s: %r" % (rc, what, keep(copy), err[-300:])); continue
                if rc != 0:
                    # Warnings and the per-statement summary of unreadable objects
                    # ("kdsql: 3 objects unreadable (...); see kdsql_warnings") may
                    # precede the one error line.
                    lines = [l for l in err.strip().split(b"\n") if l and not l.startswith(b"kdsql: warning:")
                             and not (b" unreadable " in l and l.endswith(b"see kdsql_warnings"))]
                    if len(lines) != 1:
                        failures.append("NOT ONE LINE (exit %d) %s%s: %r" % (rc, what, keep(copy), err[-300:]))
                    counts["one-line-error"] += 1
                elif out == cout:
                    counts["same"] += 1
                elif err.strip():
                    counts["changed-with-warning"] += 1
                elif kind == "page-data" or kind.startswith("zero-range"):
                    # Flipped bits inside page contents are the kernel's data: no
                    # reader can tell them from the truth (no checksums). Counted.
                    counts.setdefault("changed-page-data", 0)
                    counts["changed-page-data"] += 1
                else:
                    failures.append("SILENT CHANGE %s: %r -> %r" % (what, cout[:120], out[:120]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("fault campaign: " + ", ".join("%s %d" % kv for kv in counts.items()))
    for f in failures[:50]: print("  " + f)
    if failures:
        print("fault campaign: %d failures" % len(failures)); sys.exit(1)

if __name__ == "__main__":
    main()
