"""What the guardian and the staff are told when a report is filed, a match is undone, a child
is collected, a report closes or changes hands; in whose language; and what is never said.
Reports are made by the services; the notifications are called as the services call them on
commit (each test runs the task queue inline)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from showup.core import sms
from showup.core.models import Agency, AuditEntry, Notice, User
from showup.reunite import notify, services
from showup.reunite.models import Candidate, Handoff, Outcome, Report

pytestmark = pytest.mark.django_db

SITE = "https://showup.example.org"


@pytest.fixture(autouse=True)
def _clean(settings: Any, agency: Agency) -> None:
    sms.outbox.clear()
    settings.SITE_URL = SITE
    agency.phone = "555 201 0000"
    agency.save()


@pytest.fixture
def missing(agency: Agency, report_data: Any) -> Report:
    return services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing", reporter_relationship="mother", reporter_has_custody=True),
        filed_by=None,
    )


@pytest.fixture
def found(agency: Agency, officer: User, report_data: Any) -> Report:
    return services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )


@pytest.fixture
def candidate(missing: Report, found: Report) -> Candidate:
    cand, _ = Candidate.objects.update_or_create(
        missing=missing, found=found, defaults={"score": 0.9, "decision": "confirmed"}
    )
    return cand


def sms_to(number: str) -> list[str]:
    return [m.body for m in sms.outbox if m.to == number]


# --- filing: the guardian's link --------------------------------------------------------------


def test_the_guardian_gets_her_status_link_by_text_at_once(
    agency: Agency, report_data: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_create(
            agency=agency, kind="missing", data=report_data("missing"), filed_by=None
        )
    [body] = sms_to("+15550001111")
    assert f"{SITE}/status/{report.status_token}/" in body
    assert report.reference in body
    assert "(555) 201-0000" in body  # the unit's phone, formatted for the agency's region
    assert "Mateo" not in body and "Alvarez" not in body


def test_without_a_phone_the_link_goes_by_email_in_her_language(
    agency: Agency, report_data: Any
) -> None:
    report = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing", guardian_phone="", guardian_language="es"),
        filed_by=None,
    )
    notify.report_filed(report.pk)
    assert sms.outbox == []
    [message] = [m for m in mail.outbox if m.to == ["lucia@example.org"]]
    assert f"{SITE}/status/{report.status_token}/" in message.body
    assert message.reply_to == ["unit@example.org"]
    with translation.override("es"):
        expected = _("Your report %(reference)s: we are searching") % {
            "reference": report.reference
        }
    assert message.subject == expected


def test_a_guardian_with_no_contact_is_not_written_to(agency: Agency, report_data: Any) -> None:
    report = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing", guardian_phone="", guardian_email=""),
        filed_by=None,
    )
    notify.report_filed(report.pk)
    assert sms.outbox == [] and not [m for m in mail.outbox if "status" in m.body]


# --- filing: the alert to the officers on duty ------------------------------------------------


def test_a_missing_report_alerts_every_officer_when_the_agency_has_no_shifts(
    agency: Agency,
    officer: User,
    officer2: User,
    coordinator: User,
    outsider: User,
    missing: Report,
) -> None:
    officer.alert_by_sms, officer.phone = True, "(555) 300-4000"
    officer.save()
    officer2.alert_by_email = True
    officer2.language = "es"
    officer2.save()
    notify.report_filed(missing.pk)

    # In the app: both officers of the agency, nobody else.
    assert set(Notice.objects.values_list("user__username", flat=True)) == {"olivia", "oscar"}
    english = Notice.objects.get(user=officer)
    assert english.url == f"/staff/reports/{missing.pk}/"
    assert missing.reference in english.text and "red t-shirt" in english.text
    assert "Main St near the donut shop" in english.text and "boy" in english.text
    assert "20\xa0minutes ago" in english.text
    spanish = Notice.objects.get(user=officer2)
    assert "20\xa0minutos" in spanish.text  # Django's own Spanish for "20 minutes"

    # By text only to the officer who opted in, by email only to the one who opted in.
    [alert_text] = sms_to("+15553004000")
    assert f"{SITE}/staff/reports/{missing.pk}/" in alert_text
    staff_mail = [m for m in mail.outbox if m.to != ["lucia@example.org"]]
    assert [m.to for m in staff_mail] == [["oscar@example.org"]]
    # Never the guardian's contact or the family name; the first name stays in the app.
    for body in [alert_text, staff_mail[0].body, staff_mail[0].subject, english.text]:
        for secret in ("5550001111", "lucia", "Lucia", "Alvarez"):
            assert secret not in body
    assert "Mateo" in english.text and "Mateo" not in alert_text + staff_mail[0].body


def test_only_the_officers_on_shift_are_alerted_when_the_agency_keeps_shifts(
    agency: Agency, officer: User, officer2: User, missing: Report
) -> None:
    from showup.visits.models import Shift

    now = timezone.now()
    Shift.objects.create(
        agency=agency, officer=officer, start=now - timedelta(hours=2), end=now + timedelta(hours=6)
    )
    Shift.objects.create(
        agency=agency,
        officer=officer2,
        start=now + timedelta(hours=8),
        end=now + timedelta(hours=16),
    )
    notify.report_filed(missing.pk)
    assert list(Notice.objects.values_list("user__username", flat=True)) == ["olivia"]


def test_the_officer_who_filed_it_is_not_alerted(
    agency: Agency, officer: User, officer2: User, report_data: Any
) -> None:
    report = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=officer
    )
    notify.report_filed(report.pk)
    assert list(Notice.objects.values_list("user__username", flat=True)) == ["oscar"]


def test_a_found_child_that_matches_nothing_alerts_the_coordinators(
    agency: Agency, officer: User, officer2: User, coordinator: User, report_data: Any
) -> None:
    coordinator.alert_by_email = True
    coordinator.save()
    report = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    assert not Candidate.objects.exists()
    # The matching worker (in-process here) found nothing and sent it: the web did not.
    [notice] = Notice.objects.all()
    assert notice.user == coordinator and report.reference in notice.text
    assert [m.to for m in mail.outbox] == [["cora@example.org"]]
    assert "Patrol car" not in mail.outbox[0].body + notice.text
    assert sms.outbox == []


def test_a_found_child_with_a_candidate_alerts_nobody(
    coordinator: User, candidate: Candidate, found: Report
) -> None:
    notify.report_filed(found.pk)
    assert Notice.objects.count() == 0 and mail.outbox == []


# --- the reunion: who collected the child ---------------------------------------------------------


def reunite_with(candidate: Candidate, officer: User, **handoff: Any) -> None:
    Handoff.objects.create(
        candidate=candidate, officer=officer, completed_at=timezone.now(), **handoff
    )
    notify.reunited(candidate.pk)


def test_the_guardian_is_told_who_collected_the_child(
    officer: User, candidate: Candidate, missing: Report
) -> None:
    reunite_with(
        candidate,
        officer,
        released_to="Rosa Jiménez",
        collector=Handoff.Collector.LISTED,
        collector_relationship="neighbour",
    )
    [body] = sms_to("+15550001111")
    assert "collected by Rosa Jiménez (neighbour or family friend)" in body
    assert "back with you" not in body and "together again" not in body
    assert f"/status/{missing.status_token}/" in body


def test_the_guardian_who_collected_the_child_herself_is_thanked(
    officer: User, candidate: Candidate
) -> None:
    reunite_with(
        candidate, officer, released_to="Lucia Alvarez", collector=Handoff.Collector.REPORTER
    )
    [body] = sms_to("+15550001111")
    assert "back with you" in body and "collected by" not in body


def test_a_release_to_someone_else_never_says_back_with_you(
    officer: User, candidate: Candidate, missing: Report
) -> None:
    missing.guardian_language = "es"
    missing.save()
    reunite_with(candidate, officer, released_to="", collector=Handoff.Collector.OTHER)
    [body] = sms_to("+15550001111")
    assert "back with you" not in body and "Reunidos" not in body
    assert missing.reference in body and body != ""


# --- undoing a match, closing, transferring ---------------------------------------------------


def test_an_undone_match_tells_the_guardian_plainly_and_the_officer_to_hold_the_child(
    officer: User, candidate: Candidate, found: Report
) -> None:
    Candidate.objects.filter(pk=candidate.pk).update(decision="proposed")
    notify.match_undone(candidate.pk)
    [body] = sms_to("+15550001111")
    assert "not confirmed" in body and "still searching" in body
    [notice] = Notice.objects.filter(user=officer)
    assert "Do not release the child" in notice.text and found.reference in notice.text
    [officer_mail] = mail.outbox
    assert officer_mail.to == ["olivia@example.org"] and "do not release" in officer_mail.subject


def test_a_match_confirmed_again_before_the_worker_is_not_undone(candidate: Candidate) -> None:
    notify.match_undone(candidate.pk)  # the fixture's candidate is confirmed
    assert sms.outbox == [] and Notice.objects.count() == 0


def close(report: Report, outcome: str, by: User | None, **fields: Any) -> None:
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.CLOSED,
        outcome=outcome,
        closed_at=timezone.now(),
        closed_by=by,
        **fields,
    )
    notify.report_closed(report.pk)


@pytest.mark.parametrize(
    ("outcome", "fields", "said"),
    [
        (Outcome.TAKEN_HOME, {}, "an officer took your child home"),
        (
            Outcome.CHILD_SERVICES,
            {"outcome_agency": "County CPS", "outcome_reference": "CPS-778"},
            "in the care of child services (County CPS)",
        ),
        (Outcome.OTHER_AGENCY, {"outcome_agency": "City Police"}, "handed to City Police"),
        (Outcome.DUPLICATE, {}, "already reported"),
        (Outcome.NO_REPORT_NEEDED, {}, "no report is needed"),
        (Outcome.FILED_IN_ERROR, {}, "filed in error"),
    ],
)
def test_the_guardian_is_told_how_her_report_closed(
    coordinator: User, missing: Report, outcome: str, fields: dict[str, str], said: str
) -> None:
    close(missing, outcome, coordinator, **fields)
    [body] = sms_to("+15550001111")
    assert said in body and missing.reference in body
    assert "(555) 201-0000" in body
    if outcome == Outcome.CHILD_SERVICES:
        assert "CPS-778" in body


def test_a_guardian_who_withdrew_her_report_hears_nothing_more(missing: Report) -> None:
    close(missing, Outcome.NO_REPORT_NEEDED, None)
    close(missing, Outcome.FILED_IN_ERROR, None)
    assert sms.outbox == [] and mail.outbox == []


def test_a_closed_found_report_writes_to_no_guardian(coordinator: User, found: Report) -> None:
    close(found, Outcome.TAKEN_HOME, coordinator)
    assert sms.outbox == [] and mail.outbox == []


def test_the_new_officer_is_told_of_a_transfer_in_their_language(
    officer2: User, found: Report
) -> None:
    officer2.language = "es"
    officer2.save()
    notify.report_transferred(found.pk, officer2.pk)
    [notice] = Notice.objects.all()
    assert notice.user == officer2 and found.reference in notice.text
    assert notice.url == f"/staff/reports/{found.pk}/"
    [entry] = AuditEntry.objects.filter(action="core.notification.sent")
    assert entry.data["report"] == found.pk and entry.data["to_user"] == officer2.pk
    assert entry.data["channel"] == "app" and entry.data["count"] == 1
    assert list(entry.data["recipients"].values()) == [[officer2.pk]]
