"""A match worker builds its index of open reports from the database before it matches
(candidate_index.py); web processes build none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from matching import Matcher
from showup.reunite import services
from showup.reunite.candidate_index import ProcessIndex, WarmUp, process_index, warm_up
from showup.reunite.models import Report

WARM_UP_THREAD = "test-index-warm-up"

ROOT = Path(__file__).resolve().parents[3]
WAIT = 30  # seconds; only a broken build ever waits this long


class WatchedLock:
    """A lock that tells when a second thread had to wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.contended = threading.Event()

    def __enter__(self) -> WatchedLock:
        if not self._lock.acquire(blocking=False):
            self.contended.set()
            self._lock.acquire()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()


def file_pair(agency: Any, officer: Any, report_data: Any) -> tuple[Report, Report]:
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    process_index.reset()  # as a process that has just started
    return missing, found


def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    real = ProcessIndex._load_all

    def counted(self: ProcessIndex) -> None:
        builds.append(1)
        real(self)

    monkeypatch.setattr(ProcessIndex, "_load_all", counted)
    return builds


@pytest.mark.django_db
def test_after_a_warm_up_the_first_query_builds_nothing(
    agency: Any, officer: Any, report_data: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    missing, found = file_pair(agency, officer, report_data)
    builds = count_builds(monkeypatch)
    with caplog.at_level("INFO", logger="showup.reunite.candidate_index"):
        result = warm_up()
    assert result.reports == 2
    assert builds == [1]
    assert [c.other_id for c in process_index.rank(found, top=3)] == [str(missing.pk)]
    assert builds == [1]
    assert "2 open reports indexed" in caplog.text
    assert "Mateo" not in caplog.text and "Alvarez" not in caplog.text


def test_a_query_during_the_warm_up_waits_for_it_and_sees_every_report(
    transactional_db: None,
    agency: Any,
    officer: Any,
    report_data: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing, found = file_pair(agency, officer, report_data)
    builds = count_builds(monkeypatch)
    lock = WatchedLock()
    monkeypatch.setattr(process_index, "_lock", lock)
    building = threading.Event()
    real_apply = ProcessIndex._apply

    def apply_once_the_query_waits(self: ProcessIndex, report: Report) -> None:
        if threading.current_thread().name == WARM_UP_THREAD and not building.is_set():
            building.set()
            assert lock.contended.wait(WAIT), "the query never reached the index"
        real_apply(self, report)

    monkeypatch.setattr(ProcessIndex, "_apply", apply_once_the_query_waits)
    warmed: list[WarmUp] = []
    ranked: list[list[str]] = []

    def warm() -> None:
        try:
            warmed.append(warm_up())
        finally:
            connection.close()

    def query() -> None:
        try:
            ranked.append([c.other_id for c in process_index.rank(found, top=5)])
        finally:
            connection.close()

    warming = threading.Thread(target=warm, name=WARM_UP_THREAD)
    warming.start()
    assert building.wait(WAIT)
    # Filed by another process while the build is under way.
    late = Report.objects.create(agency=agency, kind="missing", **report_data("missing"))
    querying = threading.Thread(target=query)
    querying.start()
    querying.join(WAIT)
    warming.join(WAIT)
    assert not querying.is_alive() and not warming.is_alive()
    assert lock.contended.is_set(), "the query did not wait for the warm-up"
    assert len(warmed) == 1 and warmed[0].reports >= 2
    assert builds == [1]
    assert sorted(ranked[0]) == sorted([str(missing.pk), str(late.pk)])


def test_no_warm_up_runs_under_the_tests() -> None:
    assert WARM_UP_THREAD not in {thread.name for thread in threading.enumerate()}
    assert "showup.wsgi" not in sys.modules


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A database file for subprocesses."""
    tmp_path = tmp_path_factory.mktemp("warm")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "showup.settings",
        "SHOWUP_LOG_LEVEL": "INFO",
        "SHOWUP_PRIVATE_MEDIA": str(tmp_path / "private"),
    }
    if env.get("SHOWUP_DB") != "postgres":
        env["SHOWUP_SQLITE_PATH"] = str(tmp_path / "warm.sqlite3")
    run(env, "manage.py", "migrate")
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


SERVE = (
    "import json, threading, showup.wsgi;"
    "from showup.reunite.candidate_index import process_index;"
    "print(json.dumps({'threads': threading.active_count(), 'indexed': process_index._loaded_at}))"
)


def test_a_served_process_builds_no_matching_index(migrated: dict[str, str]) -> None:
    served = run(migrated, "-c", SERVE)
    assert json.loads(served.stdout) == {"threads": 1, "indexed": 0.0}
    assert "matching index" not in served.stderr.lower()


@pytest.mark.django_db
def test_a_worker_index_holds_only_the_agencies_it_is_given(
    agency: Any, other_agency: Any, officer: Any, report_data: Any
) -> None:
    mine = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    theirs = services.report_create(
        agency=other_agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    wanted = {agency.pk}
    index = ProcessIndex(Matcher(), agency_filter=lambda pk: pk in wanted)
    assert index.warm_up().reports == 2  # ours: the missing and the found report
    assert [c.other_id for c in index.rank(found, top=3)] == [str(mine.pk)]
    wanted.add(other_agency.pk)
    assert index.load_agencies([other_agency.pk]) == 1
    assert len(index) == 3 and str(theirs.pk) not in [c.other_id for c in index.rank(found, 3)]
    wanted.discard(agency.pk)
    index.drop_agencies([agency.pk])
    assert len(index) == 1
    assert index.rank(found, top=3) == []


@pytest.mark.django_db
def test_the_warm_index_command_reports_how_many_open_reports_it_indexed(
    agency: Any, officer: Any, report_data: Any
) -> None:
    _missing, found = file_pair(agency, officer, report_data)
    services.report_cancel(report=found, reason="", actor=officer)
    for command, options in (("warm_index", {}), ("match_worker", {"warm_only": True})):
        process_index.reset()
        out = StringIO()
        call_command(command, stdout=out, **options)
        assert out.getvalue().startswith("Matching index ready: 1 open report(s) indexed in ")
        assert out.getvalue().rstrip().endswith(" s.")
