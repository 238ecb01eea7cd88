"""Peak memory of checking and storing one uploaded photo, each case in a fresh process.

    .venv/bin/python bench/photo_memory.py                      # showup.core.photos as it is
    .venv/bin/python bench/photo_memory.py --module /tmp/old.py # another version of the module

Cases: the 6,300 x 6,300 PNG of issue 9 (113 KB, 39.7 megapixels) and a 24-megapixel phone
JPEG (6,000 x 4,000). Pillow allocates pixels outside Python's allocator, so tracemalloc does
not see them: the figure is the child process's peak resident set (VmHWM, reset through
/proc/self/clear_refs just before) minus its resident set before the photo was checked.
Prints one line per case.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import importlib.util, os, sys, time
sys.path.insert(0, {repo!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")
import django
django.setup()
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
settings.PRIVATE_MEDIA_ROOT = {media!r}
module_path = {module!r}
if module_path:
    spec = importlib.util.spec_from_file_location("photos_under_test", module_path)
    photos = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(photos)
else:
    from showup.core import photos
data = open({path!r}, "rb").read()
upload = SimpleUploadedFile({name!r}, data, content_type={ctype!r})
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
open("/proc/self/clear_refs", "w").write("5")  # resets the peak (VmHWM) to the current RSS
before = status("VmRSS")
start = time.perf_counter()
try:
    image = photos.clean_photo(upload)
    photos.store_photo(image)
    result = "accepted"
except ValidationError as exc:
    result = "refused (" + str(exc.code) + ")"
elapsed = time.perf_counter() - start
after = status("VmHWM")
print(f"{{result}} in {{elapsed:.2f}} s, peak +{{(after - before) / 1024:.0f}} MB")
"""


def png_bomb(path: Path, side: int = 6300) -> None:
    """A real PNG of side x side black RGB pixels, written row by row (never held whole)."""
    raw_row = b"\0" + b"\0" * (side * 3)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(raw_row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def phone_jpeg(path: Path, size: tuple[int, int] = (6000, 4000)) -> None:
    """A 24-megapixel JPEG with some texture, as a phone would send (a few MB)."""
    from PIL import Image

    noise = Image.effect_noise(size, 12).convert("RGB")
    noise.save(path, "JPEG", quality=75)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", default="", help="path of a photos.py to measure instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        bomb, jpeg = tmp_path / "bomb.png", tmp_path / "phone.jpg"
        png_bomb(bomb)
        phone_jpeg(jpeg)
        cases = [
            ("6300x6300 PNG", bomb, "image/png"),
            ("6000x4000 JPEG", jpeg, "image/jpeg"),
        ]
        for label, path, ctype in cases:
            code = CHILD.format(
                repo=str(REPO),
                media=str(tmp_path / "media"),
                module=os.path.abspath(args.module) if args.module else "",
                path=str(path),
                name=path.name,
                ctype=ctype,
            )
            env = {**os.environ, "SHOWUP_DEV": "1", "SHOWUP_VAR_DIR": str(tmp_path / "var")}
            out = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            size_kb = path.stat().st_size / 1024
            print(f"{label} ({size_kb:,.0f} KB): {out.stdout.strip()}")


if __name__ == "__main__":
    main()
