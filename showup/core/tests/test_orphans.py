"""The retention run sweeps photo files that no row names (a request killed mid-submit)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from showup.core import registry
from showup.core.models import AuditEntry
from showup.core.orphans import OrphanPhotoPurger
from showup.core.photos import photo_root, store_photo
from showup.core.retention import purge_expired
from showup.reunite.models import Report


def aged(path: Path, seconds: float) -> Path:
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def a_photo() -> str:
    return store_photo(Image.new("RGB", (40, 30), (120, 30, 30)))


def test_an_old_file_no_row_names_is_swept_and_the_others_kept(
    agency: Any, report_data: Any, settings: Any
) -> None:
    settings.SHOWUP_ORPHAN_FILE_GRACE_SECONDS = 3600
    from showup.reunite import services

    report = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    named = a_photo()
    Report.objects.filter(pk=report.pk).update(photo=named)
    root = photo_root()
    aged(root / named, 2 * 3600)  # old but a report names it: kept
    orphan = aged(root / a_photo(), 2 * 3600)  # the killed request's photo
    fresh = root / a_photo()  # a request saving right now: within the grace
    partial = root / ".deadbeef.jpg.part"  # a write the crash cut short
    partial.write_bytes(b"half a jpeg")
    aged(partial, 2 * 3600)

    dry = purge_expired(dry_run=True)
    assert dry["orphan_files"] == {"files": 2, "kept": 1}
    assert orphan.exists() and partial.exists()

    counts = purge_expired()
    assert counts["orphan_files"] == {"files": 2, "kept": 1}
    assert not orphan.exists() and not partial.exists()
    assert (root / named).exists() and fresh.exists()
    entry = AuditEntry.objects.filter(action="core.retention.purged").latest("pk")
    assert entry.data["orphan_files"] == {"files": 2, "kept": 1}


def test_the_command_reports_the_count(agency: Any, capsys: Any) -> None:
    aged(photo_root() / a_photo(), 7200)
    call_command("purge_expired")
    out = capsys.readouterr().out
    assert "Deleted 1 orphan photo file(s) that no report names." in out


def test_nothing_is_swept_when_no_module_says_which_photos_it_keeps(
    db: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(registry, "_photo_references", {})
    old = aged(photo_root() / a_photo(), 7200)
    counts = OrphanPhotoPurger().purge(timezone.now(), dry_run=False)
    assert counts["files"] == 0 and "skipped" in counts
    assert old.exists()
