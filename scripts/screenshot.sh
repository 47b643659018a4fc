#!/usr/bin/env bash
# Opens the real crossbound window under Xvfb (Mesa's Vulkan/GL software drivers), lets it load
# the US demo, saves a screenshot of the window and closes it.
#   scripts/screenshot.sh [OUT.png] [ZONE_TO_SELECT] [crossbound arguments, e.g. app --demo world]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT="${1:-docs/screenshot.png}"
SELECT="${2:-}"
shift $(( $# > 2 ? 2 : $# ))
mkdir -p "$(dirname "$OUT")"
cargo build --release --quiet
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
export CROSSBOUND_SCREENSHOT="$OUT" CROSSBOUND_SELECT="$SELECT"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# A fresh profile so the last session is not restored.
export HOME="$(mktemp -d)"
timeout 120 xvfb-run -a -s "-screen 0 1440x900x24" ./target/release/crossbound "$@"
test -s "$OUT" && echo "screenshot: $OUT"
