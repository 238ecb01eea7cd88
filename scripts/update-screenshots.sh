#!/usr/bin/env bash
# Refresh the README's tour screenshots: run the two story replays (real Chromium, phone size),
# which write test-artifacts/screenshots/, then copy the viewport-size "readme-*" shots to
# docs/screenshots/ without the prefix, reduced to a 256-colour palette to keep the repo small.
#
#   scripts/update-screenshots.sh            # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SRC=test-artifacts/screenshots
DEST=docs/screenshots

scripts/ensure-chromium.sh >/dev/null
rm -f "$SRC"/readme-*.png
$PY -m pytest -q -p no:cacheprovider \
  showup/e2e/test_story02_donuts.py showup/e2e/test_story01_parking_lot.py "$@"

mkdir -p "$DEST"
shopt -s nullglob
shots=("$SRC"/readme-*.png)
if [ ${#shots[@]} -eq 0 ]; then
  echo "no readme-*.png screenshots in $SRC" >&2
  exit 1
fi
$PY - "$DEST" "${shots[@]}" <<'EOF'
import sys
from pathlib import Path

from PIL import Image

dest = Path(sys.argv[1])
for source in map(Path, sys.argv[2:]):
    target = dest / source.name.removeprefix("readme-")
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(
            target, optimize=True
        )
    print(f"{target}  {target.stat().st_size // 1024} KB")
EOF
