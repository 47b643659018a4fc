#!/usr/bin/env bash
# One reform step, crossbound against what a GeoPandas user would do, on the US demo, in the
# same run: crossbound relabels its pieces (no overlay); the peer reassigns the county, dissolves
# counties into states and overlays again. Also sets the two sides' state-level shares of the
# affected zones beside each other (an independent check: the peer derives the states from the
# counties, crossbound from the states layer and the county's pieces).
# Usage: bench/scenario.sh        (results: BENCHMARKS.md, "Reform scenarios")
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt
fi
cargo build --release --quiet
OUT=target/bench-out/scenario
mkdir -p "$OUT"
cat > "$OUT/teton.json" <<'J'
{"schema": "crossbound.scenario/1", "name": "Teton County to Idaho",
 "steps": [{"transfer": {"level": 1, "unit": "56039", "to": "16"}}]}
J
cat > "$OUT/wymt.json" <<'J'
{"schema": "crossbound.scenario/1", "name": "Wyoming-Montana",
 "steps": [{"merge": {"level": 0, "units": ["56", "30"], "id": "WYMT", "name": "Wyoming-Montana"}}]}
J
echo "== crossbound (release, best of 10)"
/usr/bin/time -f "peak RSS %M KB" ./target/release/crossbound bench --repeat 10 \
  --scenario "$OUT/teton.json" --scenario "$OUT/wymt.json" --scenario data/scenarios/yellowstone.json
for s in teton wymt; do
  ./target/release/crossbound analyze --scenario "$OUT/$s.json" --out "$OUT/$s.report.json" 2>/dev/null
done
echo "== peer (GeoPandas: reassign, dissolve counties, overlay again), best of 3"
/usr/bin/time -f "peak RSS %M KB" "$VENV/bin/python" bench/scenario_peer.py --move 56039:16 > "$OUT/teton.peer.json"
/usr/bin/time -f "peak RSS %M KB" "$VENV/bin/python" bench/scenario_peer.py --merge 56,30:WYMT > "$OUT/wymt.peer.json"
"$VENV/bin/python" - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
for s in ("teton", "wymt"):
    r = json.load(open(f"{out}/{s}.report.json"))
    p = json.load(open(f"{out}/{s}.peer.json"))
    print(f"{s}: peer step {p['step_ms']:.0f} ms")
    worst = 0.0
    for z in r["zones"]:
        if z["id"] not in p["shares"]:
            continue
        ours = {x["id"]: x["share"] for x in z["levels"][0]["parts"]}
        theirs = p["shares"][z["id"]]
        for k in sorted(set(ours) | set(theirs)):
            d = abs(ours.get(k, 0.0) - theirs.get(k, 0.0))
            worst = max(worst, d)
            print(f"  {z['id']:<5} {k:<5} crossbound {ours.get(k, 0.0):.6f}  peer {theirs.get(k, 0.0):.6f}  diff {d:.2e}")
    print(f"  largest share difference: {worst:.2e}")
PY
