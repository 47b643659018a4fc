#!/usr/bin/env bash
# Installs what crossbound needs on a fresh Debian 12 machine that has only the Rust toolchain.
#   scripts/setup.sh          core + GUI runtime packages
# Idempotent: only missing packages are installed. Needs root or sudo for apt-get.
set -euo pipefail

pkgs=(
  # PROJ (linked by proj-sys through pkg-config; bindgen needs libclang)
  libproj-dev libclang-dev clang pkg-config
  # GeoPackage input and output (rusqlite links the system SQLite)
  libsqlite3-dev
  # desktop window and headless GPU rendering (wgpu on Mesa lavapipe/llvmpipe; Xvfb for screenshots)
  libxkbcommon-x11-0 libvulkan1 mesa-vulkan-drivers libgl1-mesa-dri libegl1 libwayland-client0
  xvfb xauth x11-apps
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "crossbound setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
