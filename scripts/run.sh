#!/usr/bin/env bash
# Sets up what is missing and opens the crossbound desktop app on the bundled US demo.
# Extra arguments go to crossbound (e.g. `scripts/run.sh analyze --demo world`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec cargo run --release -- "$@"
