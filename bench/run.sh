#!/usr/bin/env bash
# The benchmark, reproducible: crossbound (release) and its peers on the same files, in the same
# run, on this machine, each a separate process timed from start to exit (wall time and peak
# resident memory from /usr/bin/time), with the parts of every peer compared to crossbound's.
#
# Peers (pinned in bench/requirements.txt, installed by this script into bench/.venv):
#   geopandas      GeoPandas/Shapely, same job as crossbound: lon/lat overlay, ellipsoidal areas
#   geopandas-ea   GeoPandas/Shapely, the cheaper job: overlay in EPSG:6933, planar areas
#   sedonadb       SedonaDB (Apache Sedona's engine on DataFusion), tuned: bench/peer_sql.py
#   duckdb         DuckDB spatial, split across cursors by hand: bench/peer_sql.py
#
# Cases:
#   us     states > counties x HUC2 watersheds (bundled data), best of 3
#   world  world provinces x geography regions, full resolution (BENCH_DATA_DIR), best of 3
#   hex    298,593 hexagons (0.5 deg grid, written by bench/hexgrid.py) x world provinces, once
#   hex1m  1.20M hexagons (0.25 deg grid, 335 MB GeoJSON) x world provinces, once
# GeoPandas is not run on the grids: on 74.7k hexagons it already needed 7 GB (BENCHMARKS.md),
# and 299k would not fit in this machine's 24 GB. SedonaDB and DuckDB run on hex1m only with
# BENCH_PEERS_1M=1: at ~4x their 299k times (150 s and ~110 s here) they add ~20 minutes.
# Peers that fail are reported, not hidden.
#
# Usage: bench/run.sh [BENCH_DATA_DIR] [CASE...]     (default cases: us world hex hex1m)
# BENCH_DATA_DIR holds world_provinces_full.geojson and world_geography_regions_full.geojson
# (default $CROSSBOUND_BENCH_DATA, else ../shared/data/bench). Elsewhere, get them from Natural
# Earth (10m "Admin 1 - States, Provinces" and "Geography regions polys", converted to GeoJSON
# with ogr2ogr); see BENCHMARKS.md. Results: target/bench-out/results.tsv and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BENCH="${1:-${CROSSBOUND_BENCH_DATA:-../shared/data/bench}}"
shift || true
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(us world hex hex1m)
OUT=target/bench-out
mkdir -p "$OUT"

# The peers' environment (pinned), created once and brought up to the pins.
VENV=bench/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt \
  || { echo "bench/run.sh: could not install the pinned peers (bench/requirements.txt) from PyPI" >&2; exit 1; }
PY="$VENV/bin/python"

cargo build --release --no-default-features --quiet
CB=./target/release/crossbound
echo "== machine"; nproc; grep -m1 "model name" /proc/cpuinfo || true; free -g | sed -n 2p
"$PY" -c "import geopandas, shapely, sedonadb, duckdb; print('geopandas', geopandas.__version__, 'shapely', shapely.__version__, 'geos', shapely.geos_version_string, 'sedonadb', sedonadb.__version__, 'duckdb', duckdb.__version__)"

RESULTS="$OUT/results.tsv"
: > "$RESULTS"

# run CASE TOOL REPEAT CMD...: best wall time of REPEAT runs, its peak memory, into results.tsv.
# Before each run the case's input files are read once, so every tool starts with them in the
# page cache: the figures measure the work, not the disk (in the twelfth session's run the 306 MB
# grid had left the cache while the peers ran, and its read took 1,014 ms instead of 359).
run() {
  local case=$1 tool=$2 repeat=$3; shift 3
  local best="" peak="" log="$OUT/${case}_${tool}.log"
  for _ in $(seq "$repeat"); do
    cat "${files[@]}" > /dev/null
    if ! /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" > "$log" 2>&1; then
      echo "  $tool: FAILED ($(tail -1 "$log"))"
      printf '%s\t%s\tfailed\t\n' "$case" "$tool" >> "$RESULTS"
      return 0
    fi
    read -r wall kb < <(tail -1 "$OUT/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; peak=$((kb / 1024)); fi
  done
  echo "  $tool: ${best} s, peak ${peak} MB   $(grep -m1 '^{' "$log" || true)"
  printf '%s\t%s\t%s\t%s\n' "$case" "$tool" "$best" "$peak" >> "$RESULTS"
}

compare() {
  local case=$1 tool=$2
  [ -f "$OUT/${case}_${tool}.csv" ] || return 0
  echo "  agreement, $tool against crossbound:"
  "$PY" bench/compare.py "$OUT/${case}_crossbound.csv" "$OUT/${case}_${tool}.csv" | sed 's/^/    /'
}

for case in "${CASES[@]}"; do
  repeat=3
  case $case in
    us)
      admin=(--admin data/us/states.geojson:state_fips --admin data/us/counties.geojson:geoid)
      zones=data/us/huc2_watersheds.geojson:huc2
      cb=(--admin data/us/states.geojson,id=state_fips --admin data/us/counties.geojson,id=geoid,parent=state_fips
          --eco data/us/huc2_watersheds.geojson,id=huc2)
      files=(data/us/states.geojson data/us/counties.geojson data/us/huc2_watersheds.geojson) ;;
    world)
      [ -f "$BENCH/world_provinces_full.geojson" ] || { echo "== world: no $BENCH/world_provinces_full.geojson, skipped"; continue; }
      admin=(--admin "$BENCH/world_provinces_full.geojson:adm1_code")
      zones="$BENCH/world_geography_regions_full.geojson:rid"
      cb=(--admin "$BENCH/world_provinces_full.geojson,id=adm1_code" --eco "$BENCH/world_geography_regions_full.geojson,id=rid")
      files=("$BENCH/world_provinces_full.geojson" "$BENCH/world_geography_regions_full.geojson") ;;
    hex|hex1m)
      [ -f "$BENCH/world_provinces_full.geojson" ] || { echo "== $case: no $BENCH/world_provinces_full.geojson, skipped"; continue; }
      spacing=0.5; [ "$case" = hex1m ] && spacing=0.25
      grid="$OUT/hex_$spacing.geojson"
      [ -f "$grid" ] || python3 bench/hexgrid.py "$spacing" "$grid"
      repeat=1
      admin=(--admin "$BENCH/world_provinces_full.geojson:adm1_code")
      zones="$grid:hex"
      cb=(--admin "$BENCH/world_provinces_full.geojson,id=adm1_code" --eco "$grid,id=hex")
      files=("$BENCH/world_provinces_full.geojson" "$grid") ;;
    *) echo "unknown case $case" >&2; exit 2 ;;
  esac
  echo "== $case (best of $repeat; wall time of the whole process, start to exit)"
  run "$case" crossbound "$repeat" "$CB" analyze "${cb[@]}" --out "$OUT/${case}_crossbound.json" --csv "$OUT/${case}_crossbound.csv" --timings
  grep -m1 "^stages" "$OUT/${case}_crossbound.log" | sed 's/^/    crossbound /' || true
  if [ "$case" = us ] || [ "$case" = world ]; then
    run "$case" geopandas "$repeat" "$PY" bench/peer_geopandas.py "${admin[@]}" --zones "$zones" --csv "$OUT/${case}_geopandas.csv"
    run "$case" geopandas-ea "$repeat" "$PY" bench/peer_geopandas.py --equal-area "${admin[@]}" --zones "$zones" --csv "$OUT/${case}_geopandas-ea.csv"
  fi
  if [ "$case" = hex1m ] && [ "${BENCH_PEERS_1M:-0}" != 1 ]; then
    echo "  (SedonaDB and DuckDB not run on hex1m; BENCH_PEERS_1M=1 runs them)"
    continue
  fi
  for engine in sedonadb duckdb; do
    run "$case" "$engine" "$repeat" "$PY" bench/peer_sql.py --engine "$engine" "${admin[@]}" --zones "$zones" --csv "$OUT/${case}_${engine}.csv"
  done
  for tool in geopandas geopandas-ea sedonadb duckdb; do compare "$case" "$tool"; done
done

echo "== summary: each peer's wall time over crossbound's (higher: crossbound faster)"
"$PY" - "$RESULTS" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter="\t"))
cb = {r[0]: float(r[2]) for r in rows if r[1] == "crossbound" and r[2] != "failed"}
for case, tool, wall, peak in rows:
    if wall == "failed":
        print(f"  {case:6} {tool:13} failed")
        continue
    ratio = f"{float(wall) / cb[case]:5.1f}x" if case in cb and tool != "crossbound" else "     "
    print(f"  {case:6} {tool:13} {float(wall):8.2f} s  {int(peak):6} MB  {ratio}")
PY
