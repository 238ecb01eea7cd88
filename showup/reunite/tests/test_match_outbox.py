"""The matching service (reunite/matching_service.py): the outbox, its claims and leases, the
shards' fencing, retries, the inline mode, and the found report that matched nothing.

Runs on SQLite and, with scripts/with-postgres.sh, on PostgreSQL (SKIP LOCKED)."""

from __future__ import annotations

import ast
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from showup.core.models import Notice
from showup.reunite import matching_service, selectors, services
from showup.reunite.matching_service import (
    MAX_ATTEMPTS,
    ShardLeases,
    claim,
    drain_outbox,
    enqueue_match,
    process_pending,
    shard_of,
)
from showup.reunite.models import Candidate, MatchOutbox, MatchShard, MatchWorker, Report

REUNITE = Path(__file__).resolve().parents[1]


@pytest.fixture
def worker_mode(settings: Any) -> None:
    """As in production: the writing process only enqueues."""
    settings.SHOWUP_MATCHING = "worker"


def file(agency: Any, kind: str, data: dict[str, Any], by: Any = None) -> Report:
    return services.report_create(agency=agency, kind=kind, data=data, filed_by=by)


def pairs() -> list[tuple[int, int, int, Any]]:
    return sorted(Candidate.objects.values_list("pk", "missing_id", "found_id", "created_at"))


def pending() -> int:
    return MatchOutbox.objects.filter(done_at__isnull=True).count()


def age_leases(seconds: float = 60) -> None:
    """As if `seconds` had passed for every lease and retry (no clocks are faked)."""
    past = timezone.now() - timedelta(seconds=seconds)
    MatchOutbox.objects.filter(lease_until__isnull=False).update(lease_until=past)
    MatchOutbox.objects.filter(done_at__isnull=True).update(available_at=past)
    MatchShard.objects.update(lease_until=past)
    MatchWorker.objects.update(seen_at=past)


# --- the web side -----------------------------------------------------------------------------


def test_services_views_and_the_api_never_import_the_index() -> None:
    web = [REUNITE / "services.py", *REUNITE.glob("views*.py"), *REUNITE.glob("api*.py")]
    assert len(web) >= 3
    for path in web:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            assert not any("candidate_index" in n for n in names), path.name


@pytest.mark.django_db
def test_filing_only_enqueues_in_worker_mode(
    worker_mode: None, agency: Any, officer: Any, report_data: Any
) -> None:
    missing = file(agency, "missing", report_data("missing"))
    found = file(agency, "found", report_data("found"), officer)
    assert not Candidate.objects.exists()
    rows = list(MatchOutbox.objects.values_list("report_id", "reason", "shard"))
    assert rows == [
        (missing.pk, "created", shard_of(agency.pk)),
        (found.pk, "created", shard_of(agency.pk)),
    ]
    assert selectors.matching_pending(found)
    done = drain_outbox()
    assert (done.reports, done.rows) == (2, 2)
    assert list(Candidate.objects.values_list("missing_id", "found_id")) == [(missing.pk, found.pk)]
    assert pending() == 0 and not selectors.matching_pending(found)


@pytest.mark.django_db
def test_inline_mode_matches_before_the_service_returns(
    agency: Any, officer: Any, report_data: Any
) -> None:
    missing = file(agency, "missing", report_data("missing"))
    found = file(agency, "found", report_data("found"), officer)
    assert list(Candidate.objects.values_list("missing_id", "found_id")) == [(missing.pk, found.pk)]
    assert pending() == 0


def test_inline_mode_drains_once_per_committed_transaction(
    transactional_db: None, agency: Any, officer: Any, report_data: Any, monkeypatch: Any
) -> None:
    drains: list[int] = []
    real = matching_service.drain_outbox

    def counted(**kwargs: Any) -> Any:
        drains.append(pending())
        return real(**kwargs)

    monkeypatch.setattr(matching_service, "drain_outbox", counted)
    with transaction.atomic():
        missing = file(agency, "missing", report_data("missing"))
        found = file(agency, "found", report_data("found"), officer)
        assert drains == [] and not Candidate.objects.exists()
    assert drains == [2]  # once, after the commit, with both rows
    assert Candidate.objects.filter(missing=missing, found=found).exists()


# --- processing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_processing_again_writes_the_same_candidates_and_announces_nothing_new(
    worker_mode: None, agency: Any, officer: Any, report_data: Any
) -> None:
    missing = file(agency, "missing", report_data("missing"))
    found = file(agency, "found", report_data("found"), officer)
    drain_outbox()
    before = pairs()
    assert len(before) == 1
    with transaction.atomic():
        enqueue_match(found, MatchOutbox.Reason.CREATED)
        enqueue_match(missing, MatchOutbox.Reason.EDITED)
    assert drain_outbox().reports == 2
    assert pairs() == before  # same pk, same created_at: the board's `new_since` stays quiet


@pytest.mark.django_db
def test_several_rows_of_one_report_are_processed_once(
    worker_mode: None, agency: Any, officer: Any, report_data: Any, monkeypatch: Any
) -> None:
    file(agency, "missing", report_data("missing"))
    found = file(agency, "found", report_data("found"), officer)
    services.report_update(report=found, data={"hair": "brown"}, actor=officer)
    services.report_add_information(report=found, text="a blue cap", actor=officer)
    refreshed: list[int] = []
    real = matching_service.matches_refresh

    def counted(*, report: Report, **kwargs: Any) -> Any:
        refreshed.append(report.pk)
        return real(report=report, **kwargs)

    monkeypatch.setattr(matching_service, "matches_refresh", counted)
    done = process_pending(batch=10)
    assert (done.reports, done.rows) == (2, 4)
    assert refreshed.count(found.pk) == 1
    assert pending() == 0


@pytest.mark.django_db
def test_a_failure_is_retried_later_then_given_up_after_six_attempts(
    worker_mode: None, agency: Any, report_data: Any, monkeypatch: Any, caplog: Any
) -> None:
    missing = file(agency, "missing", report_data("missing"))

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the engine broke on Mateo Alvarez")

    monkeypatch.setattr(matching_service, "matches_refresh", broken)
    started = timezone.now()
    first = process_pending()
    assert (first.retried, first.failed, first.rows) == (1, 0, 0)
    row = MatchOutbox.objects.get(report=missing)
    assert row.done_at is None and row.attempts == 1 and row.last_error == "RuntimeError"
    assert row.available_at >= started + timedelta(seconds=2)
    assert process_pending().rows == 0  # waiting for its retry: not taken now
    for attempt in range(2, MAX_ATTEMPTS + 1):
        age_leases()
        with caplog.at_level("ERROR", logger="showup.reunite.matching_service"):
            result = process_pending()
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert result.retried == 1 and row.done_at is None
            assert row.available_at >= timezone.now() + timedelta(seconds=2**attempt - 1)
    assert row.failed and row.done_at is not None
    assert "after 6 attempts: RuntimeError" in caplog.text
    assert "Mateo" not in caplog.text and "Mateo" not in row.last_error
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("match_worker", check=True, stdout=out)
    assert f"row {row.pk} report {missing.pk}" in out.getvalue()
    assert "failed: 1" in out.getvalue()


@pytest.mark.django_db
def test_check_is_quiet_when_all_is_done(agency: Any, report_data: Any) -> None:
    file(agency, "missing", report_data("missing"))
    out = StringIO()
    call_command("match_worker", check=True, stdout=out)
    assert out.getvalue().splitlines() == ["failed: 0", "stale: 0"]


# --- leases, shards and fencing ---------------------------------------------------------------


@pytest.mark.django_db
def test_rows_leased_by_a_dead_worker_are_taken_again_once_the_lease_expires(
    worker_mode: None, agency: Any, officer: Any, report_data: Any
) -> None:
    missing = file(agency, "missing", report_data("missing"))
    found = file(agency, "found", report_data("found"), officer)
    assert len(claim(worker="w1", shards=None, batch=10)) == 2  # ... and w1 dies here
    assert claim(worker="w2", shards=None, batch=10) == []
    age_leases()
    retaken = claim(worker="w2", shards=None, batch=10)
    assert [(r.report_id, r.leased_by, r.attempts) for r in retaken] == [
        (missing.pk, "w2", 2),
        (found.pk, "w2", 2),
    ]


@pytest.mark.django_db
def test_a_worker_that_lost_its_shard_writes_nothing(
    worker_mode: None, settings: Any, agency: Any, officer: Any, report_data: Any
) -> None:
    settings.SHOWUP_MATCH_SHARDS = 2
    missing = file(agency, "missing", report_data("missing"))
    found = file(agency, "found", report_data("found"), officer)
    w1, w2 = ShardLeases("w1"), ShardLeases("w2")
    assert sorted(w1.heartbeat().gained) == [0, 1]
    stale = dict(w1.held)
    age_leases()  # w1 stalls past its lease ...
    assert sorted(w2.heartbeat().gained) == [0, 1]  # ... and w2 takes over
    shard = shard_of(agency.pk)
    assert w2.held[shard] == stale[shard] + 1
    fenced = process_pending(worker="w1", shards=stale)
    assert fenced.fenced == 2 and fenced.rows == 0
    assert not Candidate.objects.exists() and pending() == 2
    assert w1.heartbeat().lost == [0, 1] and w1.held == {}
    done = process_pending(worker="w2", shards=w2.held)
    assert done.rows == 2
    assert list(Candidate.objects.values_list("missing_id", "found_id")) == [(missing.pk, found.pk)]


@pytest.mark.django_db
def test_workers_share_the_shards_fairly(settings: Any) -> None:
    settings.SHOWUP_MATCH_SHARDS = 4
    w1, w2 = ShardLeases("w1"), ShardLeases("w2")
    assert w1.heartbeat().gained == [0, 1, 2, 3]  # alone: everything
    assert w2.heartbeat().gained == []  # nothing free yet; w2 is now seen alive
    assert w1.heartbeat().lost == [3, 2]  # w1 hands over its surplus
    assert w2.heartbeat().gained == [2, 3]
    assert sorted(w1.held) == [0, 1] and sorted(w2.held) == [2, 3]
    assert w2.release_all() == [2, 3]
    assert set(MatchShard.objects.filter(owner="w2").values_list("shard", flat=True)) == set()


@pytest.mark.django_db
def test_the_command_matches_what_is_pending_and_gives_the_shards_back(
    worker_mode: None, agency: Any, officer: Any, report_data: Any
) -> None:
    missing = file(agency, "missing", report_data("missing"))
    found = file(agency, "found", report_data("found"), officer)
    out = StringIO()
    call_command("match_worker", name="w1", once=True, stdout=out, stderr=StringIO())
    assert "2 report(s) matched from 2 row(s)" in out.getvalue()
    assert Candidate.objects.filter(missing=missing, found=found).exists()
    assert not MatchShard.objects.exclude(owner="").exists()


def test_skip_locked_passes_over_rows_another_worker_is_claiming(
    transactional_db: None, worker_mode: None, agency: Any, report_data: Any
) -> None:
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("PostgreSQL: SQLite serialises claims with BEGIN IMMEDIATE")
    first = file(agency, "missing", report_data("missing"))
    second = file(agency, "missing", report_data("missing", given_name="Lucas"))
    locked, release = threading.Event(), threading.Event()

    def other_worker_mid_claim() -> None:
        try:
            with transaction.atomic():
                MatchOutbox.objects.select_for_update().filter(report=first).first()
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker_mid_claim)
    thread.start()
    try:
        assert locked.wait(10)
        taken = claim(worker="w2", shards=None, batch=10)
        assert [r.report_id for r in taken] == [second.pk]
    finally:
        release.set()
        thread.join(10)


# --- the found child that matched nothing -----------------------------------------------------


@pytest.mark.django_db
def test_coordinators_hear_once_of_a_found_child_that_matched_nothing(
    worker_mode: None, agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    alone = file(agency, "found", report_data("found", given_name="Yusuf"), officer)
    assert not Notice.objects.filter(user=coordinator).exists()  # not before the worker knows
    drain_outbox()
    assert Notice.objects.filter(user=coordinator, url__contains=f"/{alone.pk}/").count() == 1
    services.report_update(report=alone, data={"hair": "black"}, actor=officer)
    drain_outbox()
    assert Notice.objects.filter(user=coordinator).count() == 1  # an edit tells no one again

    file(agency, "missing", report_data("missing"))
    matched = file(agency, "found", report_data("found"), officer)
    drain_outbox()
    assert Candidate.objects.filter(found=matched).exists()
    assert not Notice.objects.filter(user=coordinator, url__contains=f"/{matched.pk}/").exists()


@pytest.mark.django_db
def test_done_rows_are_purged_after_a_day(worker_mode: None, agency: Any, report_data: Any) -> None:
    from showup.core.retention import purge_expired

    file(agency, "missing", report_data("missing"))
    file(agency, "missing", report_data("missing", given_name="Lucas"))
    drain_outbox()
    old = MatchOutbox.objects.order_by("id").first()
    assert old is not None
    MatchOutbox.objects.filter(pk=old.pk).update(done_at=timezone.now() - timedelta(hours=25))
    file(agency, "missing", report_data("missing", given_name="Ana"))  # pending: kept
    counts = purge_expired()["match_outbox"]
    assert counts["rows"] == 1
    assert not MatchOutbox.objects.filter(pk=old.pk).exists()
    assert MatchOutbox.objects.count() == 2
