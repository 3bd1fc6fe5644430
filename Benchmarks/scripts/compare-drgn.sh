#!/usr/bin/env bash
# End-to-end comparison for issue 3's speed target: a fresh kdsql process vs
# drgn answering "how many bash tasks?" on the same dump, alternating runs,
# medians reported by hyperfine; peak RSS from /usr/bin/time.
#
# Needs: a release build (make release: static Swift runtime, as shipped), hyperfine (apt), drgn in a
# venv (python3 -m venv V && V/bin/pip install drgn==0.3.0) and the debug
# vmlinux from linux-image-6.1.0-56-cloud-amd64-dbg (apt-get download, dpkg -x).
#
#   Benchmarks/scripts/compare-drgn.sh DUMP VMLINUX DRGN_PYTHON
set -euo pipefail
dump=${1:?dump}; vmlinux=${2:?vmlinux}; py=${3:?python with drgn}
here=$(cd "$(dirname "$0")" && pwd)
kdsql=$(cd "$here/../.." && pwd)/.build/release/kdsql
sql="SELECT count(*) FROM tasks WHERE comm='bash'"
echo "kdsql: $("$kdsql" "$dump" -c "$sql")   drgn: $("$py" "$here/drgn_bash_count.py" "$vmlinux" "$dump")"
# Warm the file cache for both, then alternate.
hyperfine -N --warmup 3 --runs 30 \
    "$kdsql $dump -c \"$sql\"" \
    "$py $here/drgn_bash_count.py $vmlinux $dump" \
    --export-json /tmp/kdsql-vs-drgn.json
for cmd in "$kdsql $dump -c \"$sql\"" "$py $here/drgn_bash_count.py $vmlinux $dump"; do
    rss=$(/usr/bin/time -f %M bash -c "$cmd" 2>&1 >/dev/null | tail -1)
    echo "peak RSS ${rss} KiB: $cmd"
done
python3 - <<'PY'
import json
r = json.load(open("/tmp/kdsql-vs-drgn.json"))["results"]
for x in r:
    print(f"median {x['median']*1000:.1f} ms  {x['command'][:60]}")
print(f"speed-up: {r[1]['median']/r[0]['median']:.1f}x")
PY
