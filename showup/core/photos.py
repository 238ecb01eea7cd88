"""Children's photos: checked, stripped of metadata, stored outside any public URL.

Pillow does the decoding; what is hand-written here is only the policy:

- every check that can be made from the file's header comes first, before a single pixel is
  decoded: the size in bytes, the real format (and that it is the type the browser declared),
  the pixel count (`MAX_PHOTO_PIXELS`, 24 megapixels by default: a phone's full-size photo,
  while a 113 KB PNG claiming 6,300 x 6,300 pixels is refused in milliseconds), the number of
  frames of an animation and the size of the metadata;
- decoding is bounded: a JPEG is decoded at a reduced scale straight from the file
  (`Image.draft`), the image is shrunk to `MAX_SIDE` before any copy is made, and at most
  `SHOWUP_PHOTO_DECODE_CONCURRENCY` decodes run at once in a process (a semaphore), so four
  large photos arriving together cannot take a gigabyte;
- the result is re-encoded as a JPEG without metadata (no EXIF GPS position stays on disk),
  written under a temporary name and renamed, so a half-written file never carries a real
  name. A request killed after the write but before its row was committed leaves a file no row
  names: `showup.core.orphans` sweeps those during the retention run.
"""

from __future__ import annotations

import os
import secrets
import threading
import warnings
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, PngImagePlugin

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_SIDE = 1600
# What a browser may declare for each real format. A declared type outside these (text/html,
# image/svg+xml...) or naming another format is refused; an empty or generic one is not.
DECLARED_TYPES = {
    "JPEG": {"image/jpeg", "image/jpg", "image/pjpeg"},
    "MPO": {"image/jpeg", "image/jpg", "image/pjpeg"},
    "PNG": {"image/png", "image/apng"},
    "WEBP": {"image/webp"},
    "GIF": {"image/gif"},
}
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
# The suffix of a photo being written; a file with it is never a stored photo.
PARTIAL_SUFFIX = ".part"

_semaphores: dict[int, threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def photo_root() -> Path:
    root = Path(settings.PRIVATE_MEDIA_ROOT) / "photos"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _decode_slots() -> threading.BoundedSemaphore:
    """The process's semaphore for the configured concurrency (one per value, so a test that
    changes the setting gets its own)."""
    slots = max(1, int(getattr(settings, "SHOWUP_PHOTO_DECODE_CONCURRENCY", 2)))
    with _semaphores_lock:
        if slots not in _semaphores:
            _semaphores[slots] = threading.BoundedSemaphore(slots)
        return _semaphores[slots]


def _too_big() -> ValidationError:
    limit = settings.MAX_PHOTO_BYTES // (1024 * 1024)
    return ValidationError(
        _("The photo is too large (over %(limit)s MB). Please choose a smaller one.")
        % {"limit": limit},
        code="too_big",
    )


def _bomb() -> ValidationError:
    return ValidationError(_("The photo's dimensions are too large."), code="bomb")


def _unreadable() -> ValidationError:
    return ValidationError(
        _("This file is not a readable photo. Please try another one."), code="corrupt"
    )


def _metadata_size(image: Image.Image) -> int:
    """Bytes of metadata Pillow read with the header: EXIF, XMP, ICC, comments, PNG text, and
    every JPEG application segment."""
    total = 0
    for value in image.info.values():
        if isinstance(value, bytes | str):
            total += len(value)
    for _marker, segment in getattr(image, "applist", []):
        total += len(segment)
    return total


def _check_header(probe: Image.Image, declared: str) -> None:
    """Every check that needs no decoding. Raises ValidationError."""
    if probe.format not in ALLOWED_FORMATS:
        raise ValidationError(_("Please send a JPEG, PNG, WebP or GIF photo."), code="format")
    declared = (declared or "").split(";")[0].strip().lower()
    if declared not in GENERIC_TYPES and declared not in DECLARED_TYPES[probe.format]:
        raise ValidationError(
            _(
                "This file's type does not match its content. Please choose the photo again "
                "from your phone's photos."
            ),
            code="type",
        )
    width, height = probe.size
    if width <= 0 or height <= 0:
        raise _unreadable()
    if width * height > settings.MAX_PHOTO_PIXELS:
        raise _bomb()
    if _metadata_size(probe) > settings.SHOWUP_MAX_PHOTO_METADATA_BYTES:
        raise ValidationError(
            _("This photo carries too much hidden data. Please send a plain photo."),
            code="metadata",
        )
    # GIF counts its frames by walking their headers (no pixels); WebP and APNG declare it.
    if getattr(probe, "n_frames", 1) > settings.SHOWUP_MAX_PHOTO_FRAMES:
        raise ValidationError(
            _("This animation has too many frames. Please send a still photo."), code="frames"
        )


def _target_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size `thumbnail((MAX_SIDE, MAX_SIDE))` would give: what draft must not go below."""
    width, height = size
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode_small(data: bytes) -> Image.Image:
    """Decode the first frame at no more than MAX_SIDE, upright, in RGB. The caller holds a
    decode slot. Peak memory: the reduced-scale decode (a quarter or less of the full image for
    a large JPEG) plus the small result."""
    image: Image.Image = Image.open(BytesIO(data))
    if image.format in {"JPEG", "MPO"}:
        # Decode at 1/2, 1/4 or 1/8 scale straight from the DCT coefficients when that still
        # leaves at least MAX_SIDE: a 24 MP photo never exists at full size in memory.
        image.draft("RGB", _target_size(image.size))
    image.load()
    if image.mode in {"P", "PA", "1", "I", "I;16", "F", "CMYK", "YCbCr", "LAB", "HSV"}:
        # Palette, bit and wide modes resample badly or not at all; RGBA keeps transparency
        # for the white background below.
        has_alpha = image.mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Turned upright after shrinking: the transposed copy is a small one.
    image = ImageOps.exif_transpose(image) or image
    if image.mode in {"RGBA", "LA"}:
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.info.clear()
    return image


def clean_photo(upload: UploadedFile) -> Image.Image:
    """Check an upload and return it decoded, upright, in RGB and at most MAX_SIDE pixels on
    its long side (ready for store_photo), or raise ValidationError with a message for the
    person and a code: too_big, format, type, bomb, metadata, frames, corrupt, busy."""
    if upload.size is not None and upload.size > settings.MAX_PHOTO_BYTES:
        raise _too_big()
    data = upload.read(settings.MAX_PHOTO_BYTES + 1)
    if len(data) > settings.MAX_PHOTO_BYTES:
        raise _too_big()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Belt and braces: Pillow's own bomb check uses the same limit.
            Image.MAX_IMAGE_PIXELS = settings.MAX_PHOTO_PIXELS
            # Compressed PNG text chunks are inflated at open: cap what they may take.
            PngImagePlugin.MAX_TEXT_MEMORY = settings.SHOWUP_MAX_PHOTO_METADATA_BYTES
            # A truncated upload is refused, never padded with grey: WeasyPrint (badges) turns
            # Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is imported.
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            probe = Image.open(BytesIO(data))  # reads the header only
            _check_header(probe, getattr(upload, "content_type", "") or "")
            probe.verify()  # structure and checksums, still without decoding pixels
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb() from exc
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise _unreadable() from exc
    slots = _decode_slots()
    if not slots.acquire(timeout=settings.SHOWUP_PHOTO_DECODE_WAIT_SECONDS):
        raise ValidationError(
            _("Many photos are being sent right now. Please send yours again in a minute."),
            code="busy",
        )
    try:
        return _decode_small(data)
    except Exception as exc:  # truncated or corrupt pixel data shows only when decoding
        raise _unreadable() from exc
    finally:
        slots.release()


def store_photo(image: Image.Image) -> str:
    """Re-encode as JPEG without metadata and return the stored file's name.

    The file is written under a temporary name and renamed, so a crash mid-write leaves only a
    `.part` file (swept with the orphans), never a truncated photo under a real name."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    name = f"{secrets.token_hex(16)}.jpg"
    root = photo_root()
    partial = root / f".{name}{PARTIAL_SUFFIX}"
    with open(partial, "wb") as out:
        image.save(out, "JPEG", quality=85)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, root / name)
    return name


def photo_path(name: str) -> Path | None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = photo_root() / name
    return path if path.is_file() else None


def delete_photo(name: str) -> None:
    path = photo_path(name)
    if path is not None:
        path.unlink(missing_ok=True)


EMBLEM_SIDE = 512  # printed at most 1 inch wide: 512 pixels is over 500 dpi


def clean_emblem(upload: UploadedFile) -> bytes:
    """An agency's emblem for printing: checked like a photo (the same limits, the same codes),
    shrunk to EMBLEM_SIDE and re-encoded as a PNG without metadata. A transparent background
    comes out white, as on the white labels it is printed on."""
    image = clean_photo(upload)
    image.thumbnail((EMBLEM_SIDE, EMBLEM_SIDE), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
