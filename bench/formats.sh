#!/usr/bin/env bash
# Load time per input format on the world provinces (full resolution): crossbound against GDAL
# through pyogrio, on the same files, in the same run. Usage: bench/formats.sh [BENCH_DATA_DIR]
# The files are converted once from world_provinces_full.geojson by GDAL (pyogrio) into
# target/bench-formats/. Results go to BENCHMARKS.md ("Loading each format").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BENCH="${1:-${CROSSBOUND_BENCH_DATA:-../shared/data/bench}}"
OUT=target/bench-formats
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt
fi
"$VENV/bin/python" bench/peer_load.py --convert "$BENCH/world_provinces_full.geojson" "$OUT"
cargo build --release --no-default-features --quiet
files=()
for ext in geojson shp gpkg fgb parquet; do
  [ -f "$OUT/world_provinces_full.$ext" ] && files+=("$OUT/world_provinces_full.$ext")
done
echo "== machine"; nproc; grep -m1 "model name" /proc/cpuinfo || true
echo "== crossbound (best of 3)"
args=()
for f in "${files[@]}"; do args+=(--load "$f"); done
/usr/bin/time -v ./target/release/crossbound bench --repeat 3 "${args[@]}" 2> >(grep -E "Maximum resident" >&2)
echo "== GDAL through pyogrio (best of 3)"
"$VENV/bin/python" bench/peer_load.py "${files[@]}"
