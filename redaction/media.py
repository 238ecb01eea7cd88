"""Media files: what a file is (photo or video), checked against limits before anything is
decoded, with one coded error for every refusal.

- Photos: Pillow reads the header only (format, size, frames), refuses what is over the pixel
  limit, then `verify()` checks the structure, still without decoding pixels (the same order
  as showup/core/photos.py; nothing is imported from showup).
- Videos: the ffmpeg binary that imageio-ffmpeg carries reads the container's header
  (`imageio_ffmpeg.read_frames` yields the metadata first; the generator is closed before a
  frame is decoded). Duration, frame rate and size are checked against the limits; a file
  without a video stream, or that ffmpeg cannot open, is refused.

Error codes (MediaError.code): unsupported, corrupt, too_large, too_long, too_many_pixels,
no_video_stream, cancelled.
"""

from __future__ import annotations

import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import imageio_ffmpeg
from PIL import Image, ImageFile

CODES = (
    "unsupported",
    "corrupt",
    "too_large",
    "too_long",
    "too_many_pixels",
    "no_video_stream",
    "cancelled",
)
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
# Containers we accept; anything else is "unsupported" even when ffmpeg could read it.
VIDEO_MAGIC = (
    (4, b"ftyp"),  # MP4, MOV, M4V, 3GP
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
    (0, b"RIFF"),  # AVI (checked further below)
)


class MediaError(Exception):
    """A refusal with a code from CODES (the caller maps it to a message for a person)."""

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown media error code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class MediaInfo:
    kind: Literal["photo", "video"]
    width: int
    height: int
    frames: int
    fps: float
    duration: float
    has_audio: bool


def _head(path: Path, size: int = 64) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _looks_like_video(head: bytes) -> bool:
    for offset, magic in VIDEO_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return magic != b"RIFF" or head[8:12] == b"AVI "
    return False


def _looks_like_photo(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or head[:6] in (b"GIF87a", b"GIF89a")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def probe_photo(path: Path, *, max_pixels: int) -> MediaInfo:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            with Image.open(path) as image:  # header only
                if image.format not in PHOTO_FORMATS:
                    raise MediaError("unsupported", str(image.format))
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise MediaError("corrupt", "empty image")
                if width * height > max_pixels:
                    raise MediaError("too_many_pixels", f"{width}x{height}")
                image.verify()  # structure, without decoding pixels
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError("too_many_pixels", str(exc)) from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise MediaError("corrupt", type(exc).__name__) from exc
    return MediaInfo("photo", width, height, 1, 0.0, 0.0, False)


def video_meta(path: Path) -> dict[str, object]:
    """ffmpeg's reading of the header (size, fps, duration, codec, audio_codec), without
    decoding a frame. Raises MediaError."""
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    try:
        meta: dict[str, object] = next(reader)
    except (OSError, RuntimeError, StopIteration) as exc:
        text = str(exc)
        if "does not contain any stream" in text or "no video" in text.lower():
            raise MediaError("no_video_stream") from exc
        raise MediaError("corrupt", text.splitlines()[-1][:200] if text else "") from exc
    finally:
        reader.close()
    return meta


def _has_audio(path: Path) -> bool:
    """ffmpeg lists the streams on stderr when asked for none."""
    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return b"Audio:" in done.stderr


def probe_video(path: Path, *, max_seconds: float, max_pixels: int) -> MediaInfo:
    meta = video_meta(path)
    size = meta.get("size") or (0, 0)
    width, height = int(size[0]), int(size[1])  # type: ignore[index]
    fps = float(meta.get("fps") or 0.0)  # type: ignore[arg-type]
    duration = float(meta.get("duration") or 0.0)  # type: ignore[arg-type]
    if width <= 0 or height <= 0 or fps <= 0:
        raise MediaError("corrupt", "no frame size or rate")
    if width * height > max_pixels:
        raise MediaError("too_many_pixels", f"{width}x{height}")
    if duration <= 0:
        raise MediaError("corrupt", "no duration")
    if duration > max_seconds:
        raise MediaError("too_long", f"{duration:.1f} s")
    return MediaInfo(
        "video", width, height, max(1, round(duration * fps)), fps, duration, _has_audio(path)
    )


def probe(path: Path, *, max_bytes: int, max_seconds: float, max_pixels: int) -> MediaInfo:
    """What the file is, within the limits, or MediaError. Reads headers only."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaError("corrupt", "missing") from exc
    if size == 0:
        raise MediaError("corrupt", "empty file")
    if size > max_bytes:
        raise MediaError("too_large", f"{size} bytes")
    head = _head(path)
    if _looks_like_video(head):
        return probe_video(path, max_seconds=max_seconds, max_pixels=max_pixels)
    if _looks_like_photo(head):
        return probe_photo(path, max_pixels=max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image_format = image.format
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError("too_many_pixels", str(exc)) from exc
    except Exception:
        image_format = None
    if image_format is not None:  # another image format: refused by probe_photo
        return probe_photo(path, max_pixels=max_pixels)
    raise MediaError("unsupported", "neither a photo nor a known video container")
