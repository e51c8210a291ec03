#!/bin/bash
# The lower bounds of a request hook (issue 13 point 7, bench/results/emitter.md stop 31): every mode of server.mjs
# on every seed, one valgrind run at a time (~27 min for 7 modes x 6 seeds), then GC split per mode.
# usage: bench/emitter-vg/bounds.sh   (after npm run build; MODES and SEEDS override the lists)
here=$(cd "$(dirname "$0")" && pwd)
export VG_DIR=${VG_DIR:-/tmp/emitter-vg}
mod=$here/../../dist/src/emitter/index.js
modes=${MODES:-plain min0 minclock min1 min1on dc inst}
seeds=${SEEDS:-11 12 13 14 15 21}
for s in $seeds; do
  for m in $modes; do
    "$here/run.sh" "$m" "$mod" "${m}_s$s" --single-threaded --hash-seed="$s" --random-seed="$s"
  done
done
for m in $modes; do
  echo "== $m"
  "$here/gcsplit.py" $(for s in $seeds; do echo "${m}_s$s"; done)
done
