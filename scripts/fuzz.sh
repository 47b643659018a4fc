#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader, the layer-spec parser and repair + overlay + areas,
# with cargo fuzz (libFuzzer) on the nightly toolchain installed beside stable. Not part of CI.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 600 s each, all targets)
# Corpora are seeded from data/ and the malformed cases in the tests (fuzz/corpus/, not
# committed); crashes land in fuzz/artifacts/TARGET/ and become regression tests in
# tests/fuzz_regressions/ (run on stable by `cargo test`). Results: FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-600}"; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(geojson shapefile gpkg_blob flatgeobuf geoparquet layer_spec overlay scenario)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q nightly || { echo "fuzz.sh: needs the nightly toolchain (rustup toolchain install nightly)" >&2; exit 1; }

seed() { mkdir -p "fuzz/corpus/$1"; shift; for f in "$@"; do [ -f "$f" ] && cp -n "$f" "fuzz/corpus/${f##*/}.seed" 2>/dev/null || true; done; }
mkdir -p fuzz/corpus
seed geojson; cp -n data/us/nps_parks.geojson data/us/states.geojson fuzz/corpus/geojson/ 2>/dev/null || true
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}' > fuzz/corpus/geojson/small.json
printf '{"type":"FeatureCollection","features":[{"type":"Feature"' > fuzz/corpus/geojson/truncated.json
mkdir -p fuzz/corpus/scenario; cp -n tests/fuzz_regressions/scenario_seeds/*.json fuzz/corpus/scenario/ 2>/dev/null || true
mkdir -p fuzz/corpus/shapefile fuzz/corpus/gpkg_blob fuzz/corpus/flatgeobuf fuzz/corpus/geoparquet fuzz/corpus/layer_spec fuzz/corpus/overlay
# Shapefile seed: split point (little-endian u16) + the first 4 KB of the .shp + the .dbf's head.
python3 - <<'PY'
import struct
shp = open("data/formats/us_states_nad83/us_states_nad83.shp", "rb").read()
dbf = open("data/formats/us_states_nad83/us_states_nad83.dbf", "rb").read()
# A small valid shapefile: header + first record only, with the header's length fixed up.
rec_len = struct.unpack(">i", shp[104:108])[0] * 2 + 8
small = bytearray(shp[:100 + rec_len]); small[24:28] = struct.pack(">i", len(small) // 2)
d = bytearray(dbf[:32]); hl = struct.unpack("<H", dbf[8:10])[0]; rl = struct.unpack("<H", dbf[10:12])[0]
d = bytearray(dbf[:hl + rl]); d[4:8] = struct.pack("<I", 1)
open("fuzz/corpus/shapefile/states1", "wb").write(struct.pack("<H", len(small)) + bytes(small) + bytes(d))
blob = open("data/formats/world_geography_regions.fgb", "rb").read()
open("fuzz/corpus/flatgeobuf/regions_head", "wb").write(blob[8:60000])
PY
head -c 200000 data/formats/world_provinces.parquet > fuzz/corpus/geoparquet/provinces_head || true
cp -n data/formats/world_provinces.parquet fuzz/corpus/geoparquet/provinces 2>/dev/null || true
printf 'data/us/counties.geojson,id=geoid,parent=state_fips,crs=EPSG:4269' > fuzz/corpus/layer_spec/spec
printf 'x.gpkg,layer=counties' > fuzz/corpus/layer_spec/gpkg
printf '\x08\x04\x10\x10\x20\x10\x20\x20\x10\x20\x04\x18\x18\x28\x18\x28\x28\x18\x28' > fuzz/corpus/overlay/squares
# GeoPackage blobs: a few from the shipped GeoPackage.
python3 - <<'PY'
import sqlite3
c = sqlite3.connect("data/formats/us_albers.gpkg")
for i, (g,) in enumerate(c.execute("SELECT geom FROM huc2_watersheds LIMIT 3")):
    open(f"fuzz/corpus/gpkg_blob/huc{i}", "wb").write(g[:20000])
PY

log=fuzz/last-run.txt
: > "$log"
for t in "${TARGETS[@]}"; do
  echo "== $t: ${SECS}s" | tee -a "$log"
  start=$(date +%s)
  set +e
  (cd fuzz && cargo +nightly fuzz run "$t" -- -max_total_time="$SECS" -rss_limit_mb=4096 -max_len=262144 -print_final_stats=1) > "fuzz/$t.log" 2>&1
  rc=$?
  set -e
  end=$(date +%s)
  runs=$(grep -E "stat::number_of_executed_units" "fuzz/$t.log" | awk '{print $2}' | tail -1)
  echo "$t: exit $rc, $((end - start)) s, ${runs:-?} executions, artifacts: $(ls fuzz/artifacts/$t 2>/dev/null | wc -l)" | tee -a "$log"
done
