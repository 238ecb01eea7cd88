"""reunite's retention purger, run through core's `showup purge_expired`: closed reports lose
their personal data after the agency's period, open ones never do, and a non-identifying stub
stays for statistics."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from matching.reasons import Reason
from showup.core.models import Agency, AuditEntry, User
from showup.core.photos import photo_path
from showup.reunite import services
from showup.reunite.models import Candidate, Handoff, Report, TimelineNote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The shared fixtures create several accounts per test; the real hasher takes ~0.5 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


NAMES = (
    "Mateo",
    "Alvarez",
    "Lucia",
    "Taco",
    "5550001111",
    "lucia@example.org",
    "Patrol car",
    "donut",
    "red t-shirt",
    "toy truck",
    "neighbour",
)


def age(report: Report, days: int) -> None:
    """Pretend the report closed `days` days ago."""
    Report.objects.filter(pk=report.pk).update(closed_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def reunited_pair(
    agency: Agency,
    officer: User,
    coordinator: User,
    report_data: Any,
    django_capture_on_commit_callbacks: Any,
) -> tuple[Report, Report]:
    with django_capture_on_commit_callbacks(execute=True):
        found = services.report_create(
            agency=agency,
            kind="found",
            filed_by=officer,
            data=report_data("found", lat=34.05227, lon=-118.24368, age_min=Decimal("3.5")),
            photo=Image.new("RGB", (40, 30), (200, 10, 10)),
        )
        missing = services.report_create(
            agency=agency,
            kind="missing",
            filed_by=None,
            data=report_data(
                "missing",
                other_names=["Teo"],
                age_years=Decimal("4.5"),
                description="loves donuts",
                height_cm=104,
            ),
            photo=Image.new("RGB", (40, 30), (10, 10, 200)),
        )
        reasons = [
            Reason.of("nickname", said="Mateo", known="Teo"),
            Reason.of("clothing", garments="red t-shirt"),
        ]
        cand, _ = Candidate.objects.update_or_create(
            missing=missing,
            found=found,
            defaults={
                "score": 0.9,
                "reasons": [str(r) for r in reasons],
                "reason_keys": [r.to_json() for r in reasons],
            },
        )
        services.note_add(report=found, author=officer, text="Mateo asked for his mum Lucia")
        services.candidate_confirm(candidate=cand, actor=coordinator)
        services.handoff_record(
            candidate=cand,
            officer=officer,
            id_checked=True,
            id_type="driving_licence",
            id_last4="1234",
            child_recognises=True,
            guardian_knowledge=True,
            guardian_knowledge_note="his dog is called Taco",
            released_to="Lucia Alvarez",
            collector="reporter",
        )
    found.refresh_from_db()
    missing.refresh_from_db()
    assert found.status == missing.status == Report.Status.REUNITED
    return found, missing


def purge(capture: Any, *args: str) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_it_purges_personal_data_after_the_retention_period(
    reunited_pair: tuple[Report, Report],
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    found, missing = reunited_pair
    photos = [photo_path(found.photo), photo_path(missing.photo)]
    assert all(p is not None and p.is_file() for p in photos)
    old_token = missing.status_token
    age(found, 31)
    age(missing, 31)

    before = Candidate.objects.get()
    assert "Mateo" in json.dumps(before.reasons) and "Mateo" in json.dumps(before.reason_keys)

    output = purge(django_capture_on_commit_callbacks)
    assert "Purged 2 report(s): 2 photo(s), 1 timeline note(s), 1 hand-off record(s)" in output

    for report in (found, missing):
        report.refresh_from_db()
        stub = json.dumps(
            {f.name: str(getattr(report, f.attname)) for f in Report._meta.concrete_fields}
        )
        for secret in NAMES:
            assert secret not in stub, secret
        assert report.purged_at is not None and report.photo == ""
        assert report.other_names == [] and report.languages == [] and report.height_cm is None
        # The statistics stub.
        assert report.status == Report.Status.REUNITED and report.sex == "male"
        assert report.closed_at is not None and report.created_at is not None
        assert report.seen_at.minute == 0 and report.seen_at.second == 0
    assert all(not p.exists() for p in photos if p is not None)
    assert (found.lat, found.lon) == (34.05, -118.24)
    assert (found.age_min, found.age_max) == (Decimal(4), Decimal(5))
    assert missing.age_years == Decimal(5)
    assert missing.status_token != old_token
    assert not TimelineNote.objects.exists()
    handoff = Handoff.objects.get()
    assert (handoff.id_last4, handoff.guardian_knowledge_note, handoff.released_to) == ("", "", "")
    assert handoff.completed_at is not None and handoff.id_type == "driving_licence"
    cand = Candidate.objects.get()
    assert cand.reasons == [] and cand.reason_keys == []

    # The guardian's old link says nothing any more.
    response = client.get(f"/status/{old_token}/")
    assert response.status_code == 404
    assert b"Mateo" not in response.content and missing.reference.encode() not in response.content

    [entry] = AuditEntry.objects.filter(action="core.retention.purged")
    assert entry.data["reunite"] == {
        "reports": 2,
        "photos": 2,
        "notes": 1,
        "handoffs": 1,
        "candidates": 1,
        "by_agency": {"county": 2},
    }


def test_it_keeps_reports_within_the_period_and_never_touches_open_ones(
    agency: Agency,
    officer: User,
    report_data: Any,
    reunited_pair: tuple[Report, Report],
    django_capture_on_commit_callbacks: Any,
) -> None:
    found, missing = reunited_pair
    age(found, 29)
    age(missing, 29)
    long_open = services.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found", given_name="Ana")
    )
    Report.objects.filter(pk=long_open.pk).update(created_at=timezone.now() - timedelta(days=400))
    matched = services.report_create(
        agency=agency, kind="missing", filed_by=None, data=report_data("missing", given_name="Noa")
    )
    # A matched report with a stray closed_at is still open: the status decides.
    Report.objects.filter(pk=matched.pk).update(
        status=Report.Status.MATCHED, closed_at=timezone.now() - timedelta(days=400)
    )

    assert "Purged 0 report(s)" in purge(django_capture_on_commit_callbacks)
    assert not Report.objects.filter(purged_at__isnull=False).exists()
    assert Report.objects.get(pk=long_open.pk).given_name == "Ana"
    assert Report.objects.get(pk=matched.pk).given_name == "Noa"
    assert Report.objects.get(pk=found.pk).given_name == "Mateo"
    # Every run is on record, even an empty one.
    assert AuditEntry.objects.get(action="core.retention.purged").data["reunite"]["reports"] == 0


def test_it_honours_each_agencys_retention_period(
    agency: Agency,
    other_agency: Agency,
    officer: User,
    outsider: User,
    report_data: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other_agency.retention_days = 7
    other_agency.save()
    ours = services.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found")
    )
    theirs = services.report_create(
        agency=other_agency, kind="found", filed_by=outsider, data=report_data("found")
    )
    for report in (ours, theirs):
        services.report_cancel(report=report, reason="found him at the neighbour's", actor=officer)
        age(report, 10)

    assert "city: 1" in purge(django_capture_on_commit_callbacks)
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.purged_at is None and ours.cancel_reason == "found him at the neighbour's"
    assert theirs.purged_at is not None and theirs.cancel_reason == "" and theirs.given_name == ""
    assert theirs.status == Report.Status.CANCELLED


def test_a_dry_run_only_counts(
    reunited_pair: tuple[Report, Report],
    django_capture_on_commit_callbacks: Any,
) -> None:
    found, missing = reunited_pair
    age(found, 45)
    age(missing, 45)
    output = purge(django_capture_on_commit_callbacks, "--dry-run")
    assert (
        "Would purge 2 report(s): 2 photo(s), 1 timeline note(s), 1 hand-off record(s), "
        "1 candidate reason list(s)." in output
    )
    assert "county: 2" in output
    found.refresh_from_db()
    assert found.purged_at is None and found.given_name == "Mateo" and found.photo
    assert not AuditEntry.objects.filter(action="core.retention.purged").exists()


def test_a_second_run_finds_nothing_left(
    reunited_pair: tuple[Report, Report],
    django_capture_on_commit_callbacks: Any,
) -> None:
    for report in reunited_pair:
        age(report, 31)
    assert "Purged 2 report(s)" in purge(django_capture_on_commit_callbacks)
    assert "Purged 0 report(s)" in purge(django_capture_on_commit_callbacks)


def test_the_scheduler_runs_the_purge_task(
    reunited_pair: tuple[Report, Report],
    django_capture_on_commit_callbacks: Any,
) -> None:
    for report in reunited_pair:
        age(report, 31)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduler", "--once", "--interval", "5", stdout=out)
    assert "retention purge every 5 s" in out.getvalue()
    assert "'reports': 2" in out.getvalue()
    assert Report.objects.filter(purged_at__isnull=False).count() == 2


def test_the_staff_api_shows_only_the_stub_after_a_purge(
    reunited_pair: tuple[Report, Report],
    login: Any,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    found, _missing = reunited_pair
    for report in reunited_pair:
        age(report, 31)
    purge(django_capture_on_commit_callbacks)
    response = login(coordinator).get(f"/api/reunite/reports/{found.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["purged_at"] and body["given_name"] == "" and body["has_photo"] is False
    assert body["child"] == "Unnamed child"
    response = login(coordinator).patch(
        f"/api/reunite/reports/{found.pk}",
        # Valid on its own (a found report needs a safe location), so only the purge refuses it.
        {"given_name": "Mateo", "safe_location": "Patrol car 12"},
        content_type="application/json",
    )
    assert response.status_code == 409, response.content


def test_it_blanks_structured_reasons_left_without_english_text(
    reunited_pair: tuple[Report, Report],
    django_capture_on_commit_callbacks: Any,
) -> None:
    Candidate.objects.update(reasons=[])
    for report in reunited_pair:
        age(report, 31)
    assert "1 candidate reason list(s)" in purge(django_capture_on_commit_callbacks, "--dry-run")
    purge(django_capture_on_commit_callbacks)
    assert Candidate.objects.get().reason_keys == []
