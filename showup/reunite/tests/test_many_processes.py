"""Many processes, one truth: web processes only enqueue (SHOWUP_MATCHING=worker), and a match
worker in its own process matches what any of them filed (reunite/matching_service.py). The
two-web, two-worker test that kills a worker is showup/tests/test_match_service.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


class Worker:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("index_worker.py"))],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": True}

    def read(self) -> dict[str, Any]:
        out: IO[str] | None = self.proc.stdout
        assert out is not None
        line = out.readline()
        assert line, "the worker process died"
        return json.loads(line)

    def file(self, agency: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"agency": agency, "kind": kind, "data": data}) + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=20)


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A database both processes use: a SQLite file, or the CI PostgreSQL server's database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "showup.settings"}
    if env.get("SHOWUP_DB") != "postgres":
        env["SHOWUP_SQLITE_PATH"] = str(tmp_path / "shared.sqlite3")
    env["SHOWUP_PRIVATE_MEDIA"] = str(tmp_path / "private")
    # Filing texts the guardian; the console backend would print into the workers' JSON.
    env["SHOWUP_SMS_BACKEND"] = "locmem"
    env["SHOWUP_MATCHING"] = "worker"
    slug = f"two-{uuid.uuid4().hex[:8]}"
    setup = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from showup.core.models import Agency;"
        f"Agency.objects.create(name='Two processes', slug='{slug}')"
    )
    subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, check=True)
    yield env, slug


def child(kind: str, given: str, family: str, age: int, sex: str, clothing: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": given,
        "family_name": family,
        "sex": sex,
        "clothing": clothing,
        "lat": 34.05,
        "lon": -118.25,
        "place": "county fair",
        "seen_at": datetime.now(UTC).isoformat(),
    }
    if kind == "missing":
        data.update(age_years=age, guardian_name="A guardian", guardian_phone="+15550009999")
    else:
        data.update(age_min=age - 1, age_max=age + 1, safe_location="first-aid tent")
    return data


def match_worker(env: dict[str, str], name: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "match_worker", "--name", name, "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def candidates_of(env: dict[str, str], found_pk: int) -> list[int]:
    read = (
        "import django, json; django.setup();"
        "from showup.reunite.models import Candidate;"
        f"print(json.dumps(list(Candidate.objects.filter(found_id={found_pk})"
        ".order_by('-score').values_list('missing_id', flat=True))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", read], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def test_web_processes_only_enqueue_and_a_worker_process_matches_what_both_filed(
    shared_database: tuple[dict[str, str], str],
) -> None:
    env, agency = shared_database
    a, b = Worker(env), Worker(env)
    try:
        missing = a.file(
            agency,
            "missing",
            child("missing", "Ximena", "Castillo", 6, "female", "yellow raincoat, green boots"),
        )
        found = b.file(
            agency,
            "found",
            child("found", "Ximena", "", 6, "female", "yellow rain jacket, green rain boots"),
        )
        assert found["candidates"] == []  # the web process matched nothing itself
        assert "2 report(s) matched from 2 row(s)" in match_worker(env, "w1")
        assert candidates_of(env, found["pk"])[:1] == [missing["pk"]]

        # And the other way round, with a second worker that warms its index afresh.
        missing2 = b.file(
            agency,
            "missing",
            child("missing", "Bogdan", "Kovalenko", 9, "male", "black hoodie, grey jeans"),
        )
        found2 = a.file(
            agency, "found", child("found", "Богдан", "", 9, "male", "black hooded top, gray jeans")
        )
        assert "2 report(s) matched from 2 row(s)" in match_worker(env, "w2")
        assert candidates_of(env, found2["pk"])[:1] == [missing2["pk"]]
    finally:
        a.close()
        b.close()


@pytest.mark.django_db
def test_the_index_follows_edits_and_closures_made_elsewhere(
    agency: Any, officer: Any, report_data: Any
) -> None:
    from django.utils import timezone

    from showup.reunite import services
    from showup.reunite.candidate_index import process_index
    from showup.reunite.models import Report

    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    assert [c.other_id for c in process_index.rank(found, top=3)] == [str(missing.pk)]
    # Another process closes the missing report: only the database says so.
    Report.objects.filter(pk=missing.pk).update(
        status=Report.Status.CANCELLED, updated_at=timezone.now()
    )
    assert process_index.rank(found, top=3) == []
    Report.objects.filter(pk=missing.pk).update(
        status=Report.Status.OPEN, updated_at=timezone.now()
    )
    assert [c.other_id for c in process_index.rank(found, top=3)] == [str(missing.pk)]
