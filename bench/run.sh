#!/usr/bin/env bash
# The benchmark, reproducible: crossbound (release) and the GeoPandas peer on the same files,
# in the same run, on this machine. Usage: bench/run.sh [BENCH_DATA_DIR]
# BENCH_DATA_DIR holds world_provinces_full.geojson and world_geography_regions_full.geojson
# (default $CROSSBOUND_BENCH_DATA, else ../shared/data/bench). Elsewhere, get them from Natural
# Earth (10m "Admin 1 – States, Provinces" and "Geography regions polys", converted to GeoJSON
# with ogr2ogr) — see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BENCH="${1:-${CROSSBOUND_BENCH_DATA:-../shared/data/bench}}"
OUT=target/bench-out
mkdir -p "$OUT"

# The peer's environment (pinned), created once.
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt
fi

cargo build --release --no-default-features --quiet
echo "== machine"; nproc; grep -m1 "model name" /proc/cpuinfo || true
echo "== crossbound"
./target/release/crossbound bench --bench-data "$BENCH" --repeat 3 --csv-dir "$OUT"
echo "== peer (GeoPandas), best of 3"
for case in us world; do
  if [ "$case" = us ]; then
    args=(--admin data/us/states.geojson:state_fips --admin data/us/counties.geojson:geoid --zones data/us/huc2_watersheds.geojson:huc2)
  else
    [ -f "$BENCH/world_provinces_full.geojson" ] || continue
    args=(--admin "$BENCH/world_provinces_full.geojson:adm1_code" --zones "$BENCH/world_geography_regions_full.geojson:rid")
  fi
  for i in 1 2 3; do
    "$VENV/bin/python" bench/peer_geopandas.py "${args[@]}" --csv "$OUT/${case}_peer.csv" | sed "s/^/$case: /"
  done
  echo "== agreement ($case)"
  "$VENV/bin/python" bench/compare.py "$OUT/${case}_crossbound.csv" "$OUT/${case}_peer.csv"
done
