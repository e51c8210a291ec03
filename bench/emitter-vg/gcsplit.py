#!/usr/bin/env python3
"""Split run.sh counts into garbage collection and the rest: per request, the callgrind self cost of the
functions whose names match GC below (V8's scavenger, root visitors, heap and space code), and the remainder.
usage: gcsplit.py TAG...   (reads $VG_DIR/out/TAG/cg.*.2; N1, N2 as for run.sh)"""
import glob, os, re, subprocess, sys
GC = re.compile(r'Scaveng|IterateObjectCache|v8::internal::Heap::|GCTracer|Evacuat|MemoryChunk|Sweeper|Marking|RootVisitor|'
                r'VisitRootPointer|IterateRoots|Isolate::Iterate|HandleScopeImplementer::Iterate|GlobalHandles|TracedHandles|'
                r'EmbedderRootsHandler|StrongRootsEntry|SlotSet|RememberedSet|PagedSpace|NewSpace|SemiSpace|Heap::Collect')
base = os.environ.get('VG_DIR', '/tmp/emitter-vg')
n = int(os.environ.get('N2', 25000)) - int(os.environ.get('N1', 5000))
for tag in sys.argv[1:]:
    files = sorted(glob.glob(f'{base}/out/{tag}/cg.*.2'))
    if not files:
        continue
    out = subprocess.run(['callgrind_annotate', '--threshold=100', '--auto=no', files[0]], capture_output=True, text=True).stdout
    total = gc = 0
    for line in out.splitlines():
        m = re.match(r'^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$', line)
        if not m:
            continue
        v = int(m.group(1).replace(',', ''))
        if 'PROGRAM TOTALS' in m.group(2):
            total = v
        elif ':' in m.group(2) and GC.search(m.group(2)):
            gc += v
    print(f'{tag:12s} total {total / n:8.1f}  gc {gc / n:7.1f}  non-gc {(total - gc) / n:8.1f}')
