#!/usr/bin/env bash
# Sets up what is missing (Debian packages: PROJ, clang, Mesa/Vulkan, Xvfb) and runs the whole
# test suite: formatting, lints, unit, integration, CLI and UI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# An independent reader of crossbound's GeoPackage and Parquet outputs (DuckDB, pinned).
CROSSBOUND_TEST_PYTHON="$(bash scripts/pyenv.sh)"
export CROSSBOUND_TEST_PYTHON
# winit/wgpu look for a runtime dir even without a display; give the UI tests one.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="$(mktemp -d)"
  chmod 700 "$XDG_RUNTIME_DIR"
fi
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
