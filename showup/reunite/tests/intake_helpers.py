"""Shared helpers for the intake tests (not a test module itself)."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


def seen_at_input(minutes_ago: int = 15) -> str:
    return timezone.localtime(timezone.now() - timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def missing_post(**overrides: Any) -> dict[str, Any]:
    """What a guardian types into the public form."""
    data: dict[str, Any] = {
        "given_name": "Mateo",
        "family_name": "Alvarez",
        "other_names": "Teo, Mateíto",
        "age_years": "4",
        "sex": "male",
        "height_cm": "104",
        "hair": "short brown",
        "clothing": "red t-shirt, blue shorts",
        "carrying": "toy truck",
        "languages": ["es", "en"],
        "languages_other": "",
        "place": "Main St near the donut shop",
        "lat": "",
        "lon": "",
        "seen_at": seen_at_input(),
        "guardian_name": "Lucia Alvarez",
        "reporter_has_custody": "yes",
        "guardian_phone": "(555) 000-1111",
        "reporter_relationship": "mother",
        "guardian_email": "lucia@example.org",
        "guardian_language": "es",
    }
    data.update(overrides)
    return data


def found_post(**overrides: Any) -> dict[str, Any]:
    """What an officer types into "I found a child"."""
    data: dict[str, Any] = {
        "situation": "lost",
        "given_name": "Mateo",
        "age_min": "3",
        "age_max": "5",
        "sex": "male",
        "clothing": "red t-shirt, blue shorts",
        "carrying": "toy truck",
        "languages": ["es"],
        "safe_location": "Patrol car 12",
        "place": "Donut shop, Main St",
        "lat": "34.0522",
        "lon": "-118.2437",
        "seen_at": seen_at_input(2),
    }
    data.update(overrides)
    return data


def jpeg_upload(name: str = "child.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def oversized_upload() -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 0)).save(buf, "JPEG")
    body = buf.getvalue() + b"\0" * (10 * 1024 * 1024 + 1)
    return SimpleUploadedFile("big.jpg", body, content_type="image/jpeg")


def corrupt_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "broken.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 50, content_type="image/jpeg"
    )


def bomb_upload(width: int = 50000, height: int = 50000) -> SimpleUploadedFile:
    """A small real PNG whose header claims enormous dimensions (CRC fixed so it parses)."""
    buf = BytesIO()
    Image.new("RGB", (4, 4), (10, 10, 10)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    # Signature (8) + length (4) + b"IHDR" (4): width and height follow.
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return SimpleUploadedFile("bomb.png", bytes(data), content_type="image/png")
