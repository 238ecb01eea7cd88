"""Photo uploads: refused from the header before decoding, bounded while decoding."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
import time
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from showup.core import photos
from showup.core.photos import clean_photo, photo_root, store_photo

REPO = Path(__file__).resolve().parents[3]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = 6300) -> bytes:
    """Issue 9's file: a real 6,300 x 6,300 RGB PNG of ~113 KB, made row by row."""
    row = b"\0" * (side * 3 + 1)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def encoded(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def upload(data: bytes, name: str = "child.jpg", ctype: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=ctype)


def code_of(data: bytes, name: str = "child.png", ctype: str = "image/png") -> str | None:
    try:
        clean_photo(upload(data, name, ctype))
    except ValidationError as exc:
        return exc.code
    return None


@pytest.fixture(scope="module")
def phone_jpeg() -> bytes:
    """A 24-megapixel phone photo (6,000 x 4,000) with texture, portrait by EXIF."""
    image = Image.effect_noise((6000, 4000), 12).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    return encoded(image, "JPEG", quality=75, exif=exif.tobytes())


def test_the_6300_png_bomb_is_refused_fast_without_decoding(monkeypatch: Any) -> None:
    data = png_bomb()
    assert len(data) < 150_000
    decoded: list[str] = []
    original_load = ImageFile.ImageFile.load

    def spy_load(self: Any) -> Any:
        decoded.append(self.format)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    start = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(data, "bomb.png", "image/png"))
    assert refused.value.code == "bomb"
    assert decoded == []
    assert time.perf_counter() - start < 0.5


def test_a_24_megapixel_phone_photo_is_accepted_upright_and_small(phone_jpeg: bytes) -> None:
    assert len(phone_jpeg) < 10 * 1024 * 1024
    image = clean_photo(upload(phone_jpeg))
    # Shrunk to 1600 on the long side and turned upright: 6000x4000 landscape -> portrait.
    assert image.size == (1067, 1600)
    assert image.mode == "RGB"
    stored = Image.open(photo_root() / store_photo(image))
    assert stored.size == (1067, 1600)
    assert not stored.getexif()  # no maker, no orientation, no GPS kept


def test_a_jpeg_is_decoded_at_a_reduced_scale(phone_jpeg: bytes, monkeypatch: Any) -> None:
    seen: list[tuple[int, int]] = []
    original_load = ImageFile.ImageFile.load

    def spy_load(self: Any) -> Any:
        seen.append(self.size)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    clean_photo(upload(phone_jpeg))
    # draft() asked libjpeg for 1/2 scale: 24 MP never exists at full size in memory.
    assert seen and max(w * h for w, h in seen) <= 3000 * 2000


def test_peak_memory_of_a_24_megapixel_photo_is_bounded(phone_jpeg: bytes, tmp_path: Path) -> None:
    """In a fresh process: the peak resident set while checking and storing the photo."""
    path = tmp_path / "phone.jpg"
    path.write_bytes(phone_jpeg)
    code = f"""
import os, sys
sys.path.insert(0, {str(REPO)!r})
import django
django.setup()
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from showup.core import photos
settings.PRIVATE_MEDIA_ROOT = {str(tmp_path / "media")!r}
data = open({str(path)!r}, "rb").read()
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
photos.store_photo(photos.clean_photo(SimpleUploadedFile("p.jpg", data, "image/jpeg")))
print((status("VmHWM") - before) // 1024)
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "showup.settings",
        "SHOWUP_DEV": "1",
        "SHOWUP_VAR_DIR": str(tmp_path / "var"),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    peak_mb = int(out.stdout.strip().splitlines()[-1])
    # Full-size decoding took 275 MB before (72 MB per copy); the reduced decode stays under 100.
    assert peak_mb < 100, peak_mb


@pytest.mark.parametrize(
    ("name", "ctype", "fmt", "expected"),
    [
        ("child.png", "image/jpeg", "PNG", "type"),  # says JPEG, is PNG
        ("child.jpg", "text/html", "JPEG", "type"),
        ("child.svg", "image/svg+xml", "PNG", "type"),
        ("child.jpg", "image/jpeg", "JPEG", None),
        ("child.jpg", "application/octet-stream", "JPEG", None),  # generic: fine
        ("child.webp", "image/webp", "WEBP", None),
    ],
)
def test_the_declared_type_must_match_the_real_format(
    name: str, ctype: str, fmt: str, expected: str | None
) -> None:
    data = encoded(Image.new("RGB", (40, 30), (10, 120, 200)), fmt)
    assert code_of(data, name, ctype) == expected


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_file_is_refused(fmt: str) -> None:
    image = Image.effect_noise((400, 300), 30).convert("RGB")
    data = encoded(image, fmt)
    ctype = "image/jpeg" if fmt == "JPEG" else "image/png"
    assert code_of(data[: len(data) // 2], "cut", ctype) == "corrupt"


def test_an_animation_with_too_many_frames_is_refused(settings: Any) -> None:
    settings.SHOWUP_MAX_PHOTO_FRAMES = 10
    frames = [Image.new("RGB", (20, 20), (i * 20, 255 - i * 20, 0)) for i in range(12)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert code_of(data, "a.gif", "image/gif") == "frames"
    short = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:5])
    assert code_of(short, "a.gif", "image/gif") is None


def test_huge_metadata_is_refused(settings: Any) -> None:
    settings.SHOWUP_MAX_PHOTO_METADATA_BYTES = 100_000
    image = Image.new("RGB", (40, 30), (200, 40, 40))
    # A JPEG stuffed with application segments (each at most 64 KB): 4 x 60 KB of "comment".
    plain = encoded(image, "JPEG")
    segment = b"\xff\xe5" + struct.pack(">H", 60_002) + b"x" * 60_000
    stuffed = plain[:2] + segment * 4 + plain[2:]
    assert code_of(stuffed, "m.jpg", "image/jpeg") == "metadata"
    assert code_of(plain, "m.jpg", "image/jpeg") is None
    # A PNG whose compressed text chunk inflates past the cap is refused, not inflated.
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("comment", "y" * 500_000, zip=True)
    png = encoded(image, "PNG", pnginfo=info)
    assert len(png) < 10_000
    assert code_of(png, "m.png", "image/png") in {"metadata", "corrupt"}


def test_a_transparent_png_gets_a_white_background() -> None:
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    clean = clean_photo(upload(encoded(image, "PNG"), "t.png", "image/png"))
    assert clean.mode == "RGB" and clean.getpixel((5, 5)) == (255, 255, 255)


def test_decodes_wait_for_a_slot_and_give_up_with_busy(settings: Any) -> None:
    settings.SHOWUP_PHOTO_DECODE_CONCURRENCY = 1
    settings.SHOWUP_PHOTO_DECODE_WAIT_SECONDS = 0.2
    data = encoded(Image.new("RGB", (40, 30)), "JPEG")
    slots = photos._decode_slots()
    assert slots.acquire(timeout=1)
    try:
        with pytest.raises(ValidationError) as busy:
            clean_photo(upload(data))
        assert busy.value.code == "busy"
    finally:
        slots.release()
    assert clean_photo(upload(data)).size == (40, 30)


def test_no_more_than_the_configured_decodes_run_at_once(settings: Any, monkeypatch: Any) -> None:
    settings.SHOWUP_PHOTO_DECODE_CONCURRENCY = 2
    running, peak = 0, 0
    lock = threading.Lock()
    original = photos._decode_small

    def slow_decode(data: bytes) -> Image.Image:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.15)
        try:
            return original(data)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(photos, "_decode_small", slow_decode)
    data = encoded(Image.new("RGB", (40, 30)), "JPEG")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            clean_photo(upload(data))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert peak == 2


def test_a_photo_is_never_left_half_written_under_its_name(monkeypatch: Any) -> None:
    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk gone")

    image = Image.new("RGB", (40, 30))
    monkeypatch.setattr(Image.Image, "save", crash)
    with pytest.raises(OSError):
        store_photo(image)
    names = [p.name for p in photo_root().iterdir()]
    assert all(name.startswith(".") and name.endswith(".part") for name in names), names


def test_a_truncated_file_is_refused_even_after_weasyprint_was_imported() -> None:
    import weasyprint  # noqa: F401  (sets Pillow's LOAD_TRUNCATED_IMAGES for the process)
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint leaves it
    data = encoded(Image.effect_noise((400, 300), 30).convert("RGB"), "JPEG")
    assert code_of(data[: len(data) // 2], "cut", "image/jpeg") == "corrupt"
