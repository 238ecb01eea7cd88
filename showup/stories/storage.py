"""Story media files: originals, redacted outputs and posters under
PRIVATE_MEDIA_ROOT/stories/, never under a public URL.

Names are random (`secrets.token_hex`), carry no story or child detail, and are the only thing
rows keep. Uploads are written under a temporary `.part` name and renamed (as
showup.core.photos does), so a half-written file never carries a real name. Served only by
access-checked views (views_stories.original, views_public.media).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

PARTIAL_SUFFIX = ".part"
# Suffixes a stored file may have (the original's is kept so ffmpeg and Pillow see the type).
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".mp4", ".mov", ".webm", ".m4v", ".avi", ".mkv"}


def root() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "stories"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_name(suffix: str) -> str:
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        suffix = ".bin"
    return f"{secrets.token_hex(16)}{suffix}"


def store_upload(upload: UploadedFile, suffix: str) -> str:
    """Write an upload under a new random name (write, fsync, rename); return the name."""
    name = new_name(suffix)
    partial = root() / f".{name}{PARTIAL_SUFFIX}"
    with open(partial, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, root() / name)
    return name


def partial_path(name: str) -> Path:
    """Where an output is written before `commit` renames it to `name`."""
    return root() / f".{name}{PARTIAL_SUFFIX}{Path(name).suffix}"


def commit(name: str) -> None:
    os.replace(partial_path(name), root() / name)


def path_of(name: str) -> Path | None:
    """The file of a stored name, or None for an empty, hostile or missing one."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        return None
    path = root() / name
    return path if path.is_file() else None


def delete(*names: str) -> None:
    for name in names:
        path = path_of(name)
        if path is not None:
            path.unlink(missing_ok=True)
        if name and "/" not in name and not name.startswith("."):
            partial_path(name).unlink(missing_ok=True)
