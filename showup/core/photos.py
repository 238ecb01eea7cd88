"""Children's photos: checked, stripped of metadata, stored outside any public URL.

Pillow does the decoding; what is hand-written here is only the policy (size, pixel count,
re-encoding so EXIF GPS positions and other metadata never stay on disk).
"""

from __future__ import annotations

import secrets
import warnings
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_SIDE = 1600


def photo_root() -> Path:
    root = Path(settings.PRIVATE_MEDIA_ROOT) / "photos"
    root.mkdir(parents=True, exist_ok=True)
    return root


def clean_photo(upload: UploadedFile) -> Image.Image:
    """Return the decoded image or raise ValidationError with a message for the person."""
    if upload.size is not None and upload.size > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("The photo is too large (over 10 MB). Please choose a smaller one."), code="too_big"
        )
    data = upload.read(settings.MAX_PHOTO_BYTES + 1)
    if len(data) > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("The photo is too large (over 10 MB). Please choose a smaller one."), code="too_big"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = settings.MAX_PHOTO_PIXELS
            probe = Image.open(BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Please send a JPEG, PNG, WebP or GIF photo."), code="format"
                )
            width, height = probe.size
            if width * height > settings.MAX_PHOTO_PIXELS:
                raise ValidationError(_("The photo's dimensions are too large."), code="bomb")
            probe.verify()
            image = Image.open(BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_("The photo's dimensions are too large."), code="bomb") from exc
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise ValidationError(
            _("This file is not a readable photo. Please try another one."), code="corrupt"
        ) from exc
    return image


def store_photo(image: Image.Image) -> str:
    """Re-encode as JPEG without metadata and return the stored file's name."""
    image = ImageOps.exif_transpose(image) or image
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    name = f"{secrets.token_hex(16)}.jpg"
    image.save(photo_root() / name, "JPEG", quality=85)
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
