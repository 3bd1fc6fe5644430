#!/usr/bin/env bash
# kdsql -k VMLINUX against drgn with the same debug vmlinux, fresh processes,
# medians from hyperfine (warm file cache, alternating runs):
#   open    kdsql: SELECT 1 (dump + vmlinux opened, nothing read)
#           drgn:  set_core_dump + load_debug_info
#   seed    SELECT count(*) FROM tasks WHERE comm='bash'
#   frames  every task's backtrace with inlined frames and source lines;
#           frames/s = frames / median
#
# Needs: a release build (make release: static Swift runtime, as shipped), hyperfine (apt), drgn in a venv
# (python3 -m venv ~/.cache/kdsql/venv && ~/.cache/kdsql/venv/bin/pip install drgn)
# and the debug vmlinux (`make debug-vmlinux`).
#
#   Benchmarks/scripts/compare-drgn-vmlinux.sh [DUMP [VMLINUX [DRGN_PYTHON]]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dump=${1:-$root/../shared/fixtures/linux-6.1-cloud-amd64/vmcore-mdf-d31-zlib.kdump}
vmlinux=${2:-$HOME/.cache/kdsql/debug/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64}
py=${3:-$HOME/.cache/kdsql/venv/bin/python}
kdsql=$root/.build/release/kdsql
drgn="$py $here/drgn_vmlinux.py"
seed="SELECT count(*) FROM tasks WHERE comm='bash'"
frames="SELECT count(*), count(file) FROM stack_frames"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "seed:   kdsql -k $("$kdsql" -k "$vmlinux" "$dump" -c "$seed" --format csv | tail -1)   drgn $($drgn seed "$vmlinux" "$dump")"
kframes=$("$kdsql" -k "$vmlinux" "$dump" -c "SELECT count(*) FROM stack_frames WHERE function IS NOT NULL" --format csv | tail -1)
dframes=$($drgn frames "$vmlinux" "$dump")
echo "frames: kdsql -k $kframes   drgn $dframes"

run() {  # name, kdsql command, drgn command
    hyperfine -N --warmup 2 --runs "${RUNS:-15}" "$2" "$3" --export-json "$out/$1.json" >/dev/null
    python3 - "$out/$1.json" "$1" "$kframes" "$dframes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
k, d = r[0]["median"], r[1]["median"]
line = f"{sys.argv[2]:7s} kdsql -k {k*1000:7.1f} ms   drgn {d*1000:7.1f} ms   drgn/kdsql {d/k:4.1f}x"
if sys.argv[2] == "frames":
    line += f"   frames/s kdsql {int(sys.argv[3])/k:,.0f}  drgn {int(sys.argv[4])/d:,.0f}"
print(line)
PY
}
run open   "$kdsql -k $vmlinux $dump -c 'SELECT 1'"  "$drgn open $vmlinux $dump"
run seed   "$kdsql -k $vmlinux $dump -c \"$seed\""   "$drgn seed $vmlinux $dump"
run frames "$kdsql -k $vmlinux $dump -c \"$frames\"" "$drgn frames $vmlinux $dump"
