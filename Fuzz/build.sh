#!/usr/bin/env bash
# Builds one libFuzzer binary per Fuzz/Targets/*.swift into .build-fuzz/bin.
# The package's library modules are compiled with coverage instrumentation
# and AddressSanitizer (swift build -Xswiftc -sanitize=fuzzer,address into the
# separate scratch path .build-fuzz, so normal builds are untouched); each
# target is then linked against their objects with libFuzzer's main.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scratch=.build-fuzz
config=release
swift build -c $config --build-path $scratch --target KdsqlKernel -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2
out=$scratch/$config
mkdir -p $scratch/bin
objects=()
for m in KdsqlDump KdsqlDebugInfo KdsqlMemory KdsqlKernel CCapstone; do
    objects+=($out/$m.build/*.o)
done
includes=(-I Sources/CCapstone/include)
for c in CElf CDw CZlib CDeflate CLzo CSnappy CZstd; do includes+=(-I Sources/$c); done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls Fuzz/Targets | sed 's/\.swift$//'))
for t in "${targets[@]}"; do
    echo "fuzz: linking $t" >&2
    swiftc -O -sanitize=fuzzer,address -parse-as-library -use-ld=lld -module-name Fuzz$t \
        -I $out/Modules "${includes[@]}" \
        Fuzz/Support/*.swift Fuzz/Targets/$t.swift "${objects[@]}" \
        -lelf -ldw -lz -ldeflate -llzo2 -lsnappy -lzstd \
        -o $scratch/bin/fuzz-$t 2> >(grep -v "Cannot export local symbol" >&2)
done
