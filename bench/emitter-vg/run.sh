#!/bin/bash
# One valgrind count of a hello-world server (bench/results/emitter.md sections 4a and 5a).
# usage: run.sh plain|inst EMITTER_INDEX_JS TAG [node flags, e.g. --single-threaded --hash-seed=13 --random-seed=13]
# Instructions per request = the callgrind dump taken after response N2 (counters reset at response N1) / (N2 - N1).
# Output under $VG_DIR (default /tmp/emitter-vg)/out/TAG. Note: the count depends on V8's seed AND on the process's
# environment (paths, variables: the heap's layout), so compare variants run from the same directory with the same
# seeds, and split GC from the rest (gcsplit.py).
mode=$1; mod=$2; tag=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd)
out=${VG_DIR:-/tmp/emitter-vg}/out/$tag
mkdir -p "$out"; rm -f "$out"/*
setarch "$(uname -m)" -R valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" node "$@" "$here/server.mjs" "$mode" "$mod" > "$out/server.log" 2> "$out/vg.log" &
vpid=$!
for _ in $(seq 1 600); do grep -q PORT "$out/server.log" 2>/dev/null && break; sleep 0.2; done
port=$(awk '/PORT/{print $2}' "$out/server.log")
node "$here/client.mjs" "$port" "$vpid" "${N1:-5000}" "${N2:-25000}"
kill $vpid; wait $vpid 2>/dev/null
f=$(ls "$out"/cg.*.2 2>/dev/null | head -1)
tot=$(grep -E '^(summary|totals):' "$f" | head -1 | awk '{print $2}')
echo "$tag $mode: $(( tot / (${N2:-25000} - ${N1:-5000}) )) instr/req (file $f)"
