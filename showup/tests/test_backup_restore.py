"""Backups: scripts/backup.sh takes the database (SQLite or PostgreSQL, whichever is active) and
the private media; scripts/restore.sh puts them into a fresh database and media directory; the
reports, the photo file and the audit chain come back whole."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = os.environ.get("SHOWUP_DB") == "postgres"

pytestmark = pytest.mark.skipif(shutil.which("tar") is None, reason="needs tar")

SEED = """
import hashlib, json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from PIL import Image
from showup.core.models import Agency, Role, User
from showup.core.photos import photo_path
from showup.reunite import services

agency = Agency.objects.create(name="Backup Sheriff", slug="backup")
officer = User.objects.create_user(
    "bk-officer", password="x" * 20, role=Role.OFFICER, agency=agency
)
common = {
    "sex": "female", "place": "fairground", "seen_at": timezone.now(),
    "lat": 34.0, "lon": -118.0, "given_name": "Ana", "clothing": "yellow raincoat",
}
found = services.report_create(
    agency=agency, kind="found", filed_by=officer,
    data={**common, "age_min": 5, "age_max": 7, "safe_location": "first-aid tent"},
    photo=Image.new("RGB", (40, 30), (200, 100, 50)),
)
missing = services.report_create(
    agency=agency, kind="missing", filed_by=None,
    data={
        **common, "family_name": "Ruiz", "age_years": 6,
        "guardian_name": "Marta Ruiz", "guardian_phone": "+15550001234",
    },
)
services.report_viewed(report=missing, actor=officer, where="detail")
digest = hashlib.sha256(photo_path(found.photo).read_bytes()).hexdigest()
print(json.dumps({"photo": found.photo, "photo_sha256": digest}))
"""

READ = """
import hashlib, json, django
django.setup()
from showup.core.models import AuditEntry
from showup.core.photos import photo_path
from showup.reunite.models import Report
reports = sorted(
    (r.reference, r.kind, r.given_name, r.family_name, r.guardian_phone, r.photo)
    for r in Report.objects.all()
)
photos = {
    r.photo: hashlib.sha256(photo_path(r.photo).read_bytes()).hexdigest()
    for r in Report.objects.exclude(photo="")
    if photo_path(r.photo)
}
audit = list(
    AuditEntry.objects.order_by("pk").values_list(
        "pk", "action", "object_id", "entry_hash", "prev_hash"
    )
)
print(json.dumps({"reports": reports, "photos": photos, "audit": audit}, default=str))
"""


def run(
    args: list[str], env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def python(code: str, env: dict[str, str]) -> dict[str, Any]:
    out = run([sys.executable, "-c", code], env).stdout.strip().splitlines()
    return json.loads(out[-1])


class Site:
    """One deployment's data: its database and its private media directory."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "showup.settings",
            "SHOWUP_DEV": "1",
            "SHOWUP_VAR_DIR": str(tmp / f"var-{name}"),
            "SHOWUP_PRIVATE_MEDIA": str(tmp / f"media-{name}"),
            "SHOWUP_SMS_BACKEND": "locmem",
            "SHOWUP_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        self.media = tmp / f"media-{name}"
        if ON_POSTGRES:
            self.database = f"showup_backup_{name}_{uuid.uuid4().hex[:8]}"
            self.env["PGDATABASE"] = self.database
            run(["createdb", "--no-password", self.database], self.env)
        else:
            self.database = str(tmp / f"{name}.sqlite3")
            self.env["SHOWUP_SQLITE_PATH"] = self.database

    def wipe(self) -> None:
        shutil.rmtree(self.media, ignore_errors=True)
        if ON_POSTGRES:
            run(["dropdb", "--no-password", "--if-exists", "--force", self.database], self.env)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(self.database + suffix).unlink(missing_ok=True)


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[tuple[Site, Site]]:
    source, target = Site(tmp_path, "source"), Site(tmp_path, "target")
    yield source, target
    source.wipe()
    target.wipe()


def test_a_backup_restores_the_reports_the_photo_and_the_audit_chain(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    source, target = sites
    seeded = python(SEED, source.env)
    before = python(READ, source.env)
    assert len(before["reports"]) == 2 and len(before["audit"]) >= 3
    assert before["photos"] == {seeded["photo"]: seeded["photo_sha256"]}

    backup = Path(run(["scripts/backup.sh", str(tmp_path / "backups")], source.env).stdout.strip())
    manifest = (backup / "MANIFEST").read_text()
    assert f"engine={'postgres' if ON_POSTGRES else 'sqlite'}" in manifest
    assert "media_files=1" in manifest

    source.wipe()  # the backup alone must be enough
    restored = run(["scripts/restore.sh", str(backup)], target.env)
    assert "restored" in restored.stdout

    after = python(READ, target.env)
    assert after == before
    [photo] = [p for p in target.media.rglob("*") if p.is_file()]
    assert photo.name == Path(seeded["photo"]).name
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == seeded["photo_sha256"]

    # The restored audit log's hash chain is whole (no anchor: the target has none yet).
    verified = run(
        [sys.executable, "manage.py", "verify_audit", "--no-anchor"], target.env, check=False
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"Audit log intact: {len(before['audit'])} entries" in verified.stdout


def test_restore_refuses_a_damaged_backup_and_a_target_in_use(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    source, target = sites
    python(SEED, source.env)
    backup = Path(run(["scripts/backup.sh", str(tmp_path / "backups")], source.env).stdout.strip())

    # The source still holds its data: restoring over it needs --force.
    refused = run(["scripts/restore.sh", str(backup)], source.env, check=False)
    assert refused.returncode != 0
    assert "use --force" in refused.stderr

    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    with (damaged / "private-media.tar.gz").open("ab") as f:
        f.write(b"tampered")
    refused = run(["scripts/restore.sh", str(damaged)], target.env, check=False)
    assert refused.returncode != 0
    assert "checksums do not match" in refused.stderr
    assert not target.media.exists()
