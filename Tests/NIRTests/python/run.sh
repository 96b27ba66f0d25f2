#!/usr/bin/env bash
# Runs interop.py with the reference NIR package (PyPI `nir`, pinned). Uses python3's own `nir`
# when it has that version; otherwise installs it with pip into a virtual environment under the
# package's .build folder (created once, reused by later runs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
version=1.0.8
python=python3
if ! python3 -c "import nir, sys; sys.exit(nir.version != '$version')" 2>/dev/null; then
  venv="$root/.build/nir-python"
  if ! "$venv/bin/python" -c "import nir, sys; sys.exit(nir.version != '$version')" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "nir==$version"
  fi
  python="$venv/bin/python"
fi
exec "$python" "$here/interop.py" "$@"
