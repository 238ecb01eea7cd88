"""Faces and photos: the real CenterFace model on scikit-image's sample photographs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from redaction.faces import Box, FaceDetector, detail
from redaction.media import MediaError, probe
from redaction.photo import cover, redact_photo
from redaction.recheck import faces_on_frame, recheck

# CenterFace's box for the astronaut's face (x 181-270, y 58-178), with a margin.
ASTRONAUT_FACE = Box(181, 58, 88, 120)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector(threads=1)


def two_faces() -> np.ndarray:
    """The astronaut and the cameraman side by side (two faces, far apart)."""
    canvas = np.full((512, 1100, 3), 200, np.uint8)
    canvas[:, :512] = data.astronaut()
    canvas[:, 588:] = np.dstack([data.camera()] * 3)
    return canvas


def test_astronaut_face_found_at_any_frame_size(detector):
    found = detector.detect(data.astronaut())
    assert len(found) == 1
    assert found[0].iou(ASTRONAUT_FACE) > 0.7
    # an odd size that is not a multiple of 32, and grey
    odd = np.full((333, 517, 3), 90, np.uint8)
    odd[10:310, 100:400] = data.astronaut()[20:320, 100:400]
    boxes = detector.detect(odd)
    assert len(boxes) == 1
    assert boxes[0].iou(Box(ASTRONAUT_FACE.x, ASTRONAUT_FACE.y - 10, 88, 120)) > 0.6
    assert len(detector.detect(data.camera())) == 1  # a 2-D grey image
    assert detector.detect(np.full((200, 300, 3), 128, np.uint8)) == []


def test_downscaled_and_tiled_passes_agree(detector):
    big = np.full((1400, 2400, 3), 120, np.uint8)
    big[700:1212, 1800:2312] = data.astronaut()
    tiled = detector.detect(big, tiled=True)
    half = detector.detect(big, scale=0.5)
    target = Box(1800 + 181, 700 + 58, 88, 120)
    assert any(b.iou(target) > 0.6 for b in tiled)
    assert any(b.iou(target) > 0.5 for b in half)


def test_cover_changes_inside_only_and_removes_detail():
    image = data.astronaut().copy()
    before = image.copy()
    cover(image, [ASTRONAUT_FACE])
    inside = np.abs(image[80:160, 200:250].astype(int) - before[80:160, 200:250]).mean()
    outside = np.abs(image[400:, 400:].astype(int) - before[400:, 400:]).mean()
    assert inside > 10
    assert outside == 0
    assert detail(before, ASTRONAUT_FACE) > 10
    assert detail(image, ASTRONAUT_FACE) < 3


def test_redact_photo_blurs_the_face_and_strips_gps(tmp_path, detector):
    src = tmp_path / "in.jpg"
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (40.0, 41.0, 21.0), "W", (74.0, 2.0, 40.0)
    exif[0x010F] = "PhoneMaker"
    Image.fromarray(data.astronaut()).save(src, "JPEG", quality=95, exif=exif)
    assert Image.open(src).getexif().get_ifd(0x8825)  # the input carries a position

    dst = tmp_path / "out.jpg"
    report = redact_photo(src, dst, detector=detector)
    assert report.faces_blurred == 1 and report.kept_faces == 0 and not report.flagged
    out = np.asarray(Image.open(dst).convert("RGB")).astype(int)
    original = np.asarray(Image.open(src).convert("RGB")).astype(int)
    assert np.abs(out[80:160, 200:250] - original[80:160, 200:250]).mean() > 10
    assert np.abs(out[400:, 400:] - original[400:, 400:]).mean() < 3  # JPEG noise only
    with Image.open(dst) as result:
        assert result.format == "JPEG"
        assert not result.getexif()
        assert "exif" not in result.info and "icc_profile" not in result.info
    assert b"PhoneMaker" not in dst.read_bytes()
    assert recheck(dst, detector=detector).passed
    assert not recheck(src, detector=detector).passed


def test_keep_faces_keeps_the_chosen_face(tmp_path, detector):
    src = tmp_path / "two.png"
    Image.fromarray(two_faces()).save(src)
    faces = faces_on_frame(src)
    assert len(faces) == 2
    astronaut = min(faces, key=lambda b: b.x)
    dst = tmp_path / "out.jpg"
    report = redact_photo(src, dst, keep_faces=[astronaut], detector=detector)
    assert report.faces_blurred == 1 and report.kept_faces == 1
    out = np.asarray(Image.open(dst).convert("RGB")).astype(int)
    original = two_faces().astype(int)
    assert np.abs(out[80:160, 200:250] - original[80:160, 200:250]).mean() < 4  # kept
    assert np.abs(out[140:190, 800:840] - original[140:190, 800:840]).mean() > 10  # blurred
    left = recheck(dst, detector=detector)
    assert not left.passed and len(left.faces) == 1  # the kept face is still a face
    assert recheck(dst, allowed=report.kept_boxes, detector=detector).passed


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


LIMITS = {"max_bytes": 10_000_000, "max_seconds": 60.0, "max_pixels": 40_000_000}


def _code(path: Path, **limits) -> str:
    with pytest.raises(MediaError) as caught:
        probe(path, **{**LIMITS, **limits})
    return caught.value.code


def test_bad_photos_give_coded_errors(tmp_path, detector):
    good = tmp_path / "good.png"
    Image.fromarray(data.astronaut()).save(good)
    assert probe(good, **LIMITS).kind == "photo"
    assert probe(good, **LIMITS).width == 512

    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert _code(truncated) == "corrupt"
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert _code(empty) == "corrupt"
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_claiming(60_000, 60_000))
    assert _code(bomb) == "too_many_pixels"
    assert _code(good, max_bytes=1000) == "too_large"
    text = tmp_path / "notes.jpg"
    text.write_text("just some text, not a photo\n" * 20)
    assert _code(text) == "unsupported"
    bmp = tmp_path / "old.bmp"
    Image.fromarray(data.astronaut()).save(bmp)
    assert _code(bmp) == "unsupported"
    with pytest.raises(MediaError) as caught:
        redact_photo(bomb, tmp_path / "x.jpg", detector=detector)
    assert caught.value.code == "too_many_pixels"
    assert not (tmp_path / "x.jpg").exists()
