#!/usr/bin/env bash
# The scale-out path measured: crossbound's own overlay against the same overlay exported with
# `crossbound export-job` and run on SedonaDB (Apache Sedona's single-node engine), on the same
# machine and in the same run, for the world pair (provinces x geography regions, full
# resolution) and a 299k-hexagon grid x provinces. Shares are compared part by part.
# Usage: bench/sedona.sh [BENCH_DATA_DIR]. Results go to BENCHMARKS.md ("Scale-out").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BENCH="${1:-${CROSSBOUND_BENCH_DATA:-../shared/data/bench}}"
OUT=target/bench-sedona
mkdir -p "$OUT"
PY="$(bash scripts/pyenv.sh)"   # the pinned SedonaDB of scripts/requirements-test.txt
cargo build --release --no-default-features --quiet
CB=./target/release/crossbound
[ -f "$OUT/hex_0.5.geojson" ] || python3 bench/hexgrid.py 0.5 "$OUT/hex_0.5.geojson"
echo "== machine"; nproc; grep -m1 "model name" /proc/cpuinfo || true; "$PY" -c "import sedonadb; print('sedonadb', sedonadb.__version__)"
for case in world hex; do
  admin="$BENCH/world_provinces_full.geojson"
  if [ "$case" = world ]; then eco="$BENCH/world_geography_regions_full.geojson"; else eco="$OUT/hex_0.5.geojson,id=hex"; fi
  echo "== $case: export-job"
  /usr/bin/time -f "export-job: %e s, peak %M KB" "$CB" export-job --admin "$admin" --eco "$eco" --out "$OUT/job_$case" 2>&1 | grep -v "^warning"
  echo "== $case: SedonaDB (3 runs)"
  for i in 1 2 3; do
    /usr/bin/time -f "sedonadb process: %e s, peak %M KB" "$PY" "$OUT/job_$case/run_sedonadb.py" "$OUT/job_$case/parts.parquet" 2>&1 | grep -E "^sedonadb"
  done
  echo "== $case: crossbound analyze, own overlay (3 runs)"
  for i in 1 2 3; do
    /usr/bin/time -f "crossbound process: %e s, peak %M KB" "$CB" analyze --admin "$admin" --eco "$eco" --out "$OUT/own_$case.json" --csv "$OUT/own_$case.csv" 2>&1 | grep -E "^crossbound process"
    python3 -c "import json,sys; t=json.load(open('$OUT/own_$case.json'))['timings_ms']; print('  stages ms:', {k: round(v) for k, v in t.items()})"
  done
  echo "== $case: crossbound analyze --from-parts (SedonaDB's parts)"
  /usr/bin/time -f "crossbound process: %e s, peak %M KB" "$CB" analyze --admin "$admin" --eco "$eco" --from-parts "$OUT/job_$case/parts.parquet" --csv "$OUT/sedona_$case.csv" --out "$OUT/sedona_$case.json" 2>&1 | grep -E "^crossbound process"
  python3 - "$OUT/own_$case.csv" "$OUT/sedona_$case.csv" <<'PY'
import csv, sys
def load(p):
    with open(p) as f:
        return {(r["zone_id"], r["level"], r["admin_id"]): float(r["share"]) for r in csv.DictReader(f)}
a, b = load(sys.argv[1]), load(sys.argv[2])
keys = set(a) | set(b)
d = max(abs(a.get(k, 0) - b.get(k, 0)) for k in keys)
over = sum(1 for k in keys if abs(a.get(k, 0) - b.get(k, 0)) > 1e-3)
print(f"  agreement: {len(a)} parts (crossbound) / {len(b)} (SedonaDB), largest share difference {d:.2e}, {over} over 1e-3")
PY
done
