#!/usr/bin/env bash
# Create .venv/ from the lock file with uv, installing uv first when the machine lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYENV_VERSION=3.12
PYTHON=$(command -v python3.12 || true)
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  echo "showup needs Python 3.12 or newer (python3.12 on PATH)." >&2
  exit 1
fi
if ! command -v uv >/dev/null 2>&1; then
  "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
fi
UV=$(command -v uv || echo "$PYTHON -m uv")
$UV sync --frozen --python "$PYTHON" "$@"
