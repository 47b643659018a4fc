#!/usr/bin/env bash
# Big and hostile inputs, run by hand (not in CI; results in BENCHMARKS.md, "Hostile input"):
#  1. a ~1 GB GeoJSON (4M hexagons, generated here, not committed): load time and peak memory;
#  2. a full disk (a 64 KiB tmpfs): a clear error, and no file left behind;
#  3. Ctrl-C while the report is being written: no output, no temporary file;
#  4. the layer file overwritten while it loads: an error or a consistent result, no panic;
#  5. a read-only target (a path under a regular file): a clear error;
#  6. memory runs out (the 1 GB file under a 1.5 GB cgroup limit): a one-line error before
#     loading, against the OOM killer's SIGKILL with the check skipped.
# Needs root for the tmpfs mount (step 2 is skipped otherwise).
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release --no-default-features --quiet || exit 1
CB=./target/release/crossbound
OUT=target/hostile
mkdir -p "$OUT"
BENCH="${CROSSBOUND_BENCH_DATA:-../shared/data/bench}"

if [ "${SKIP_1GB:-}" = 1 ]; then echo "== 1. skipped (SKIP_1GB=1)"; else
echo "== 1. a 1 GB GeoJSON"
[ -f "$OUT/hex_1gb.geojson" ] || python3 bench/hexgrid.py 0.1366 "$OUT/hex_1gb.geojson"
ls -l "$OUT/hex_1gb.geojson" | awk '{printf "size: %.2f GB\n", $5/1e9}'
/usr/bin/time -f "load: %e s wall, peak %M KB" "$CB" bench --repeat 1 --load "$OUT/hex_1gb.geojson,id=hex"
fi

echo "== 2. a full disk"
if mkdir -p "$OUT/full" && mount -t tmpfs -o size=64k tmpfs "$OUT/full" 2>/dev/null; then
  "$CB" analyze --out "$OUT/full/report.json"; echo "exit code $?"
  echo "left in the full disk: $(ls -A "$OUT/full" | wc -l) file(s)"
  umount "$OUT/full"
else
  echo "skipped (no tmpfs mount here)"
fi

echo "== 3. Ctrl-C while writing"
rm -f "$OUT"/int_report.json "$OUT"/.int_report.json.*
[ -f "$OUT/hex_0.5.geojson" ] || python3 bench/hexgrid.py 0.5 "$OUT/hex_0.5.geojson"
"$CB" analyze --admin "$BENCH/world_provinces_full.geojson" --eco "$OUT/hex_0.5.geojson,id=hex" --out "$OUT/int_report.json" 2>"$OUT/int.err" &
pid=$!
for _ in $(seq 1 600); do ls "$OUT"/.int_report.json.* >/dev/null 2>&1 && break; sleep 0.5; done
kill -INT "$pid"; wait "$pid"; echo "exit code $? ($(tail -1 "$OUT/int.err"))"
echo "temporary files left: $(ls -A "$OUT" | grep -c '^\.int_report')"
if [ -f "$OUT/int_report.json" ]; then
  python3 -c "import json; json.load(open('$OUT/int_report.json')); print('output: complete (the rename came first)')"
else
  echo "output: none"
fi

echo "== 4. the file overwritten while it loads"
cp "$BENCH/world_provinces_full.geojson" "$OUT/changing.geojson"
"$CB" bench --repeat 1 --load "$OUT/changing.geojson" > "$OUT/changing.out" 2>&1 &
pid=$!
sleep 0.05; head -c 1000000 "$BENCH/world_provinces_full.geojson" > "$OUT/changing.geojson"
wait "$pid"; echo "exit code $?: $(tail -2 "$OUT/changing.out" | head -1)"

echo "== 5. a read-only target"
touch "$OUT/afile"
"$CB" analyze --out "$OUT/afile/report.json"; echo "exit code $?"

echo "== 6. memory runs out: the 1 GB file under a 1.5 GB memory limit (a cgroup; needs root): it needs ~2.1 GB"
CG=""
if [ -f "$OUT/hex_1gb.geojson" ]; then
  for try in "/sys/fs/cgroup/memory/crossbound-hostile memory.limit_in_bytes" "/sys/fs/cgroup/crossbound-hostile memory.max"; do
    set -- $try
    if mkdir -p "$1" 2>/dev/null && echo $((3 << 29)) > "$1/$2" 2>/dev/null; then CG=$1; break; fi
  done
fi
if [ -n "$CG" ]; then
  for skip in 0 1; do
    sh -c "echo \$\$ > $CG/cgroup.procs; CROSSBOUND_SKIP_MEMORY_CHECK=$skip exec $CB bench --repeat 1 --load $OUT/hex_1gb.geojson,id=hex" > "$OUT/oom.out" 2>&1
    code=$?
    echo "CROSSBOUND_SKIP_MEMORY_CHECK=$skip: exit code $code: $(tail -1 "$OUT/oom.out" | cut -c1-240)"
  done
  rmdir "$CG" 2>/dev/null || true
else
  echo "skipped: no 1 GB file (step 1 writes it), or no writable memory cgroup here"
fi
