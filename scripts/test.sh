#!/usr/bin/env bash
# Sets up what is missing (Debian packages: PROJ, clang, Mesa/Vulkan, Xvfb) and runs the whole
# test suite: formatting, lints, unit, integration, CLI and UI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
