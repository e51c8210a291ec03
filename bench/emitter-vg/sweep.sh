#!/bin/bash
# usage: sweep.sh TAGPREFIX plain|inst EMITTER_INDEX_JS SEED... (one run.sh per seed, single-threaded V8)
here=$(cd "$(dirname "$0")" && pwd)
p=$1; mode=$2; mod=$3; shift 3
for s in "$@"; do "$here/run.sh" "$mode" "$mod" "${p}_s$s" --single-threaded --hash-seed="$s" --random-seed="$s"; done
