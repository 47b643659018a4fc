#!/usr/bin/env bash
# Creates (once) the Python environment the tests use as an independent reader of
# crossbound's outputs: .venv with the pinned packages of scripts/requirements-test.txt.
# Prints the interpreter's path. Fails with a clear message when PyPI cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
stamp="$VENV/.requirements"
if [ ! -x "$VENV/bin/python" ] || ! cmp -s scripts/requirements-test.txt "$stamp"; then
  python3 -m venv "$VENV" >&2
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt >&2; then
    echo "crossbound: could not install the test readers (scripts/requirements-test.txt) from PyPI; the format tests need them" >&2
    exit 1
  fi
  cp scripts/requirements-test.txt "$stamp"
fi
echo "$PWD/$VENV/bin/python"
