#!/usr/bin/env bash
# kdsql against drgn 0.3.0 (with its debug vmlinux): fresh processes, warm file
# cache, the commands of each comparison run in alternation (alternate.py), so
# both sides see the same machine load; medians of wall time and of CPU time
# (user + system: on a shared machine the steadier of the two). Ratios come
# from one run; the load average is printed with them.
#
#   seed   SELECT count(*) FROM tasks WHERE comm='bash' on the 6.1 kdump:
#          kdsql (libdeflate), kdsql with KDSQL_ZLIB=zlib (zlib alone), drgn
#   tasks, vmas, files on the scale dump (Tests/Fixtures/make-dump scale):
#          rows/s end to end (start-up included) for kdsql, kdsql without its
#          read-ahead worker (KDSQL_READAHEAD=0) and drgn, and
#          drgn's walk alone (its own timer, after its start-up)
#   rss    peak RSS of each query (/usr/bin/time), against 64 MiB + the cache cap
#   flat   indexing a makedumpfile -F stream in place: (open .flat - open the
#          same dump as a plain kdump) / flat size
#
# Needs: make release (static Swift runtime, as shipped), /usr/bin/time (apt time), drgn in
# ~/.cache/kdsql/venv, the debug vmlinux (make debug-vmlinux).
#
#   Benchmarks/scripts/compare-scale.sh [SCALE_DUMP [SEED_DUMP [FLAT [FLAT_AS_KDUMP [VMLINUX]]]]]
# An empty argument keeps its default. Environment: RUNS (rounds of the quick
# comparisons, 15), SCALE_RUNS (rounds on the scale dump, 5), CACHE_MB (64).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
scale=${1:-$HOME/.cache/kdsql/fixtures/linux-6.1-cloud-amd64-scale/vmcore-mdf-d31-zlib.kdump}
seeddump=${2:-$root/../shared/fixtures/linux-6.1-cloud-amd64/vmcore-mdf-d31-zlib.kdump}
flat=${3:-$(dirname "$seeddump")/vmcore-mdf-d31-zlib.flat}
plain=${4:-${flat%.flat}.kdump}
vmlinux=${5:-$HOME/.cache/kdsql/debug/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64}
py=${DRGN_PYTHON:-$HOME/.cache/kdsql/venv/bin/python}
kdsql=$root/.build/release/kdsql
cache=${CACHE_MB:-64}
drgn="$py $here/drgn_scale.py"
alt=$here/alternate.py
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "date $(date -u +%FT%TZ); $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kdsql $kdsql (cache $cache MiB); drgn $("$py" -c 'import drgn; print(drgn.__version__)')"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

# --- seed ---------------------------------------------------------------------
sql="SELECT count(*) FROM tasks WHERE comm='bash'"
echo "seed answers: kdsql $("$kdsql" "$seeddump" -c "$sql" --format csv | tail -1), drgn $($drgn seed "$vmlinux" "$seeddump" 2>/dev/null)"
"$alt" "${RUNS:-15}" 2 \
    kdsql "sh:exec $kdsql $seeddump -c \"$sql\"" \
    zlib "sh:KDSQL_ZLIB=zlib exec $kdsql $seeddump -c \"$sql\"" \
    drgn "$drgn seed $vmlinux $seeddump" >"$out/seed.json"
python3 - "$out/seed.json" "$(rss "$kdsql" "$seeddump" -c "$sql")" "$(rss $drgn seed "$vmlinux" "$seeddump")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); k, z, d = r["kdsql"], r["zlib"], r["drgn"]
print(f"seed   wall: kdsql {k['wall']*1e3:.1f} ms, kdsql zlib-only {z['wall']*1e3:.1f} ms, drgn {d['wall']*1e3:.1f} ms:"
      f" drgn/kdsql {d['wall']/k['wall']:.1f}x, zlib/libdeflate {z['wall']/k['wall']:.2f}x ({k['runs']} rounds)")
print(f"       cpu:  kdsql {k['cpu']*1e3:.1f} ms, kdsql zlib-only {z['cpu']*1e3:.1f} ms, drgn {d['cpu']*1e3:.1f} ms:"
      f" drgn/kdsql {d['cpu']/k['cpu']:.1f}x, zlib/libdeflate {z['cpu']/k['cpu']:.2f}x")
print(f"       peak RSS kdsql {int(sys.argv[2])/1024:.1f} MiB, drgn {int(sys.argv[3])/1024:.1f} MiB")
PY

# --- scale tables -------------------------------------------------------------
declare -A q=(
    [tasks]="SELECT count(pid), count(comm) FROM tasks"
    [vmas]="SELECT count(start), count(end) FROM vmas"
    [files]="SELECT count(path) FROM files"
)
if [[ -f $scale ]]; then
    echo "scale dump $scale ($(stat -c %s "$scale") bytes)"
    for t in tasks vmas files; do
        rows=$("$kdsql" --cache-mb "$cache" "$scale" -c "SELECT count(*) FROM $t" --format csv | tail -1)
        drows=$($drgn "$t" "$vmlinux" "$scale" 2>"$out/walk")
        walk=$(sed -n 's/^walk //p' "$out/walk")
        "$alt" "${SCALE_RUNS:-5}" 1 kdsql "sh:exec $kdsql --cache-mb $cache $scale -c \"${q[$t]}\"" \
            alone "sh:KDSQL_READAHEAD=0 exec $kdsql --cache-mb $cache $scale -c \"${q[$t]}\"" \
            drgn "$drgn $t $vmlinux $scale" >"$out/$t.json"
        python3 - "$out/$t.json" "$t" "$rows" "$drows" "$walk" "$cache" \
            "$(rss "$kdsql" --cache-mb "$cache" "$scale" -c "${q[$t]}")" "$(rss $drgn "$t" "$vmlinux" "$scale")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); k, a, d = r["kdsql"], r["alone"], r["drgn"]
t, rows, drows, walk, cache, rss, drss = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
print(f"{t:6s} rows kdsql {rows}, drgn {drows} ({k['runs']} rounds)")
print(f"       wall: kdsql {k['wall']:.3f} s = {rows/k['wall']:,.0f} rows/s; drgn {d['wall']:.3f} s = {drows/d['wall']:,.0f} rows/s"
      f" (its walk alone {walk:.3f} s, one run); drgn/kdsql {d['wall']/k['wall']:.1f}x")
print(f"       cpu:  kdsql {k['cpu']:.3f} s = {rows/k['cpu']:,.0f} rows/s; drgn {d['cpu']:.3f} s; drgn/kdsql {d['cpu']/k['cpu']:.1f}x")
print(f"       without read-ahead (KDSQL_READAHEAD=0): wall {a['wall']:.3f} s = {rows/a['wall']:,.0f} rows/s, cpu {a['cpu']:.3f} s;"
      f" read-ahead gains {a['wall']/k['wall']:.2f}x wall for {k['cpu']/a['cpu']:.2f}x cpu")
print(f"       peak RSS kdsql {rss/1024:.1f} MiB (goal <= {64+cache}), drgn {drss/1024:.1f} MiB")
PY
    done
else
    echo "no scale dump at $scale (Tests/Fixtures/make-dump scale): tasks/vmas/files skipped"
fi

# --- flattened indexing ---------------------------------------------------------
if [[ -f $flat && -f $plain ]]; then
    "$alt" "${RUNS:-15}" 2 kdump "$kdsql $plain -c 'SELECT 1'" flat "$kdsql $flat -c 'SELECT 1'" >"$out/flat.json"
    python3 - "$out/flat.json" "$(stat -c %s "$flat")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); size = int(sys.argv[2])
for key in ("wall", "cpu"):
    a, b = r["kdump"][key], r["flat"][key]
    rate = f"{size/(b-a)/1e9:.2f} GB/s" if b > a else "not measurable (no slower than the plain kdump)"
    print(f"flat   {key}: open kdump {a*1e3:.1f} ms, open flat {b*1e3:.1f} ms: indexing {(b-a)*1e3:.1f} ms"
          f" for {size/1e6:.1f} MB = {rate}")
PY
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
