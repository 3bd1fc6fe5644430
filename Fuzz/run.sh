#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) each, starting from
# its committed seed corpus (Fuzz/corpus/<Target>), with new inputs kept in
# .build-fuzz/corpus/<Target>. Fails on the first crash, hang (-timeout) or
# sanitizer report; prints the executions each target made.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls Fuzz/Targets | sed 's/\.swift$//'))
Fuzz/build.sh "${targets[@]}"
mkdir -p .build-fuzz/corpus .build-fuzz/crashes
status=0
for t in "${targets[@]}"; do
    work=.build-fuzz/corpus/$t
    mkdir -p "$work"
    seeds=Fuzz/corpus/$t
    [ -d "$seeds" ] || seeds=
    log=.build-fuzz/fuzz-$t.log
    if KDSQL_ROOT="$root" .build-fuzz/bin/fuzz-$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -artifact_prefix=.build-fuzz/crashes/$t- -print_final_stats=1 "$work" $seeds > "$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "fuzz: $t: $runs executions in ${seconds}s, no crash"
    else
        echo "fuzz: $t FAILED (see $log):"
        grep -E "ERROR|SUMMARY|Fatal error|deadly signal|timeout" "$log" | head -5
        status=1
    fi
done
exit $status
