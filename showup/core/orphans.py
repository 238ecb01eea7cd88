"""The orphan-file sweep: photo files that no row names, left by interrupted requests.

A photo is written (showup.core.photos.store_photo) inside the transaction that saves its
row. A server killed between the two, or a transaction rolled back after the write, leaves a
file no report names; a crash mid-write leaves a `.part` file. The retention run
(`showup purge_expired`, the scheduled task) calls this purger: every file under
PRIVATE_MEDIA_ROOT/photos older than SHOWUP_ORPHAN_FILE_GRACE_SECONDS (an hour: no request
takes that long, so a file being saved right now is never touched) that no registered module
claims (showup.core.registry.register_photo_references) is deleted. The counts go to the
retention run's audit entry; file names never do.

With no module registered nothing is deleted: a photo nobody vouches for is not proof enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from showup.core.photos import PARTIAL_SUFFIX, photo_root
from showup.core.registry import photo_references

BATCH = 500


def _old_files(root: Path, cutoff: float) -> Iterator[Path]:
    with_dirs = root.iterdir() if root.is_dir() else iter(())
    for path in with_dirs:
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                yield path
        except FileNotFoundError:  # deleted meanwhile (a purge on commit)
            continue


def _claimed(names: list[str]) -> set[str]:
    claimed: set[str] = set()
    for provider in photo_references():
        claimed.update(provider(names))
    return claimed


class OrphanFilePurger:
    """Deletes the files under one private folder that no row names, once older than the
    grace period. `claimed(names)` returns the names that rows still use; a module with a
    folder of its own registers one of these with its own `name`, folder and claim."""

    def __init__(
        self,
        name: str,
        folder: Callable[[], Path],
        claimed: Callable[[list[str]], set[str]],
        what: str,
    ) -> None:
        self.name = name
        self._folder = folder
        self._claimed = claimed
        self._what = what

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        cutoff = now.timestamp() - settings.SHOWUP_ORPHAN_FILE_GRACE_SECONDS
        orphans: list[Path] = []
        kept = 0
        batch: list[Path] = []

        def sift(paths: list[Path]) -> None:
            nonlocal kept
            named = [p.name for p in paths if not p.name.endswith(PARTIAL_SUFFIX)]
            claimed = self._claimed(named) if named else set()
            for path in paths:
                if path.name in claimed:
                    kept += 1
                else:
                    orphans.append(path)

        for path in _old_files(self._folder(), cutoff):
            batch.append(path)
            if len(batch) >= BATCH:
                sift(batch)
                batch = []
        if batch:
            sift(batch)
        if not dry_run:
            for path in orphans:
                path.unlink(missing_ok=True)
        return {"files": len(orphans), "kept": kept}

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        verb = "Would delete" if dry_run else "Deleted"
        return [f"{verb} {counts['files']} orphan {self._what} file(s) that no row names."]


class OrphanPhotoPurger(OrphanFilePurger):
    """Children's photos: claimed by the modules registered with
    showup.core.registry.register_photo_references."""

    def __init__(self) -> None:
        super().__init__("orphan_files", photo_root, _claimed, "photo")

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        if not photo_references():
            return {"files": 0, "kept": 0, "skipped": "no_module_names_photos"}
        return super().purge(now, dry_run)

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        if "skipped" in counts:
            return ["Orphan photo files: not swept (no module says which photos it keeps)."]
        verb = "Would delete" if dry_run else "Deleted"
        return [f"{verb} {counts['files']} orphan photo file(s) that no report names."]
