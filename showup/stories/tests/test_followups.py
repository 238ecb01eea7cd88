# ruff: noqa: F811  (the visits fixtures are imported by name)
"""Follow-ups: created from an encounter core's registry gives the user (a closed report of
any outcome, a welfare check of a child found alone, a completed visit), owed by an officer,
done, cancelled, reassigned, rescheduled; reminders by email on the due day and the day after,
never twice; notes purged after the retention period. Every refusal has a code."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from showup.core.models import AuditEntry, Notice
from showup.core.registry import periodic_jobs, purgers
from showup.reunite import services as reunite
from showup.stories import followups
from showup.stories.errors import StoryError
from showup.stories.models import FollowUp
from showup.visits.tests.conftest import (  # noqa: F401
    _fast_passwords,
    completed,
    make_request,
    place,
    shifts,
)

pytestmark = pytest.mark.django_db

CHILD = "Zorbatronia"


def closed_report(agency: Any, officer: Any, report_data: Any, **extra: Any) -> Any:
    report = reunite.report_create(
        agency=agency,
        kind="found",
        filed_by=officer,
        data=report_data("found", given_name=CHILD, **extra),
    )
    return reunite.report_close(report=report, outcome="taken_home", actor=officer)


@pytest.fixture
def report(agency: Any, officer: Any, report_data: Any) -> Any:
    return closed_report(agency, officer, report_data)


def local(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def make(actor: Any, report: Any, **kw: Any) -> FollowUp:
    data: dict[str, Any] = {
        "actor": actor,
        "source_kind": "reunite.report",
        "source_id": report.pk,
        "kind": "visit",
        "due_on": timezone.localdate() + timedelta(days=7),
        "note": "Promised to come by with a sticker",
    }
    data.update(kw)
    return followups.followup_create(**data)


def code_of(call: Any) -> str:
    with pytest.raises(StoryError) as caught:
        call()
    return caught.value.code


# --- creating -------------------------------------------------------------------------------------


def test_it_creates_from_a_closed_report_with_its_reference_not_the_name(
    officer: Any, report: Any
) -> None:
    f = make(officer, report)
    assert f.owed_by == officer and f.agency_id == officer.agency_id
    assert report.reference in f.source_label
    assert CHILD not in f.source_label
    entry = AuditEntry.objects.get(action="stories.followup.created")
    assert entry.data["source_id"] == report.pk
    assert CHILD not in str(entry.data) and "sticker" not in str(entry.data)


def test_a_welfare_check_of_a_child_alone_can_carry_one(
    agency: Any, officer: Any, report_data: Any
) -> None:
    welfare = closed_report(agency, officer, report_data, situation="alone")
    assert make(officer, welfare).source_id == welfare.pk


def test_an_open_report_is_not_an_encounter(agency: Any, officer: Any, report_data: Any) -> None:
    open_report = reunite.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found")
    )
    assert code_of(lambda: make(officer, open_report)) == "not_found"


def test_another_agency_and_a_partner_cannot(outsider: Any, partner: Any, report: Any) -> None:
    assert code_of(lambda: make(outsider, report)) == "not_found"
    assert code_of(lambda: make(partner, report)) == "forbidden"


def test_a_completed_visit_can_carry_one(officer: Any, completed: Any) -> None:
    f = followups.followup_create(
        actor=officer,
        source_kind="visits.visit",
        source_id=completed.pk,
        kind="call",
        due_on=timezone.localdate(),
    )
    assert f.source_kind == "visits.visit" and "Ada" not in f.source_label


@pytest.mark.parametrize(
    "due",
    [timedelta(days=-1), timedelta(days=3 * 366)],
)
def test_a_due_date_in_the_past_or_absurdly_far_is_refused(
    officer: Any, report: Any, due: timedelta
) -> None:
    assert code_of(lambda: make(officer, report, due_on=timezone.localdate() + due)) == "bad_date"


def test_the_year_9999_is_refused(officer: Any, report: Any) -> None:
    assert code_of(lambda: make(officer, report, due_on=datetime(9999, 1, 1).date())) == "bad_date"


@pytest.mark.parametrize("note", ["a\x00b", "bell\x07", "x" * 1001])
def test_hostile_notes_are_refused(officer: Any, report: Any, note: str) -> None:
    assert code_of(lambda: make(officer, report, note=note)) in {"bad_text", "too_long"}


def test_an_officer_cannot_make_another_owe_it(officer: Any, officer2: Any, report: Any) -> None:
    assert code_of(lambda: make(officer, report, owed_by=officer2)) == "forbidden"


def test_a_coordinator_makes_an_officer_of_the_agency_owe_it(
    coordinator: Any, officer2: Any, outsider: Any, report: Any
) -> None:
    assert make(coordinator, report, owed_by=officer2).owed_by == officer2
    assert code_of(lambda: make(coordinator, report, owed_by=outsider)) == "bad_officer"


# --- changing -------------------------------------------------------------------------------------


def test_done_once_with_an_outcome(officer: Any, report: Any) -> None:
    f = make(officer, report)
    done = followups.followup_done(followup=f, actor=officer, outcome_note="Went well")
    assert done.status == "done" and done.done_by == officer and done.outcome_note == "Went well"
    assert code_of(lambda: followups.followup_done(followup=f, actor=officer)) == "already_done"
    assert code_of(lambda: followups.followup_cancel(followup=f, actor=officer)) == "already_done"


def test_not_yours(officer: Any, officer2: Any, report: Any) -> None:
    f = make(officer, report)
    assert code_of(lambda: followups.followup_done(followup=f, actor=officer2)) == "not_yours"
    assert code_of(lambda: followups.followup_cancel(followup=f, actor=officer2)) == "not_yours"
    due = timezone.localdate() + timedelta(days=2)
    assert (
        code_of(lambda: followups.followup_reschedule(followup=f, actor=officer2, due_on=due))
        == "not_yours"
    )
    assert (
        code_of(lambda: followups.followup_reassign(followup=f, actor=officer, owed_by=officer2))
        == "forbidden"
    )


def test_cancelled_cannot_be_done(officer: Any, report: Any) -> None:
    f = make(officer, report)
    followups.followup_cancel(followup=f, actor=officer)
    assert code_of(lambda: followups.followup_done(followup=f, actor=officer)) == "cancelled"


def test_reassign_and_reschedule_reset_the_reminders(
    coordinator: Any, officer: Any, officer2: Any, report: Any
) -> None:
    f = make(officer, report)
    FollowUp.objects.filter(pk=f.pk).update(reminded_at=timezone.now())
    f = followups.followup_reassign(followup=f, actor=coordinator, owed_by=officer2)
    assert f.owed_by == officer2 and f.reminded_at is None
    FollowUp.objects.filter(pk=f.pk).update(reminded_at=timezone.now())
    new_day = timezone.localdate() + timedelta(days=20)
    f = followups.followup_reschedule(followup=f, actor=officer2, due_on=new_day)
    assert f.due_on == new_day and f.reminded_at is None
    past = timezone.localdate() - timedelta(days=1)
    assert (
        code_of(lambda: followups.followup_reschedule(followup=f, actor=officer2, due_on=past))
        == "bad_date"
    )


def test_my_list_puts_overdue_first(officer: Any, report: Any) -> None:
    later = make(officer, report, due_on=timezone.localdate() + timedelta(days=1))
    late = make(officer, report, due_on=timezone.localdate())
    FollowUp.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    assert [f.pk for f in followups.owed_list(officer)] == [late.pk, later.pk]
    assert [f.pk for f in followups.agency_overdue(officer.agency_id)] == [late.pk]


# --- reminders ------------------------------------------------------------------------------------


def test_the_reminder_job_is_registered() -> None:
    assert "stories.followup_reminders" in periodic_jobs()


def test_reminders_due_then_overdue_each_once_in_the_officers_language(
    officer: Any, report: Any, django_capture_on_commit_callbacks: Any
) -> None:
    officer.language = "es"
    officer.save()
    f = make(officer, report, due_on=timezone.localdate() + timedelta(days=1))
    # The day before, and the due day before the morning: nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert followups.send_reminders(local(0, 12)) == {"due": 0, "overdue": 0}
        assert followups.send_reminders(local(1, 6)) == {"due": 0, "overdue": 0}
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert followups.send_reminders(local(1, 9))["due"] == 1
        assert followups.send_reminders(local(1, 15))["due"] == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [officer.email]
    assert report.reference in message.body and CHILD not in message.body
    with translation.override("es"):
        spanish_date = date_format(f.due_on, "DATE_FORMAT")
    assert spanish_date in message.body  # rendered in the officer's language
    with django_capture_on_commit_callbacks(execute=True):
        assert followups.send_reminders(local(2, 9))["overdue"] == 1
        assert followups.send_reminders(local(3, 9))["overdue"] == 0
    assert len(mail.outbox) == 2
    assert CHILD not in mail.outbox[1].body
    assert Notice.objects.filter(user=officer).count() == 2
    f.refresh_from_db()
    assert f.reminded_at is not None and f.overdue_reminded_at is not None


def test_done_follow_ups_are_not_reminded(
    officer: Any, report: Any, django_capture_on_commit_callbacks: Any
) -> None:
    f = make(officer, report, due_on=timezone.localdate())
    followups.followup_done(followup=f, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert followups.send_reminders(local(0, 9)) == {"due": 0, "overdue": 0}
    assert mail.outbox == []


# --- retention ------------------------------------------------------------------------------------


def test_purge_clears_the_notes_of_closed_follow_ups_after_retention(
    officer: Any, report: Any, agency: Any
) -> None:
    closed = make(officer, report)
    followups.followup_done(followup=closed, actor=officer, outcome_note="Visited")
    still_open = make(officer, report)
    purger = next(p for p in purgers() if p.name == "stories.followups_notes")
    later = timezone.now() + timedelta(days=agency.retention_days + 1)
    assert purger.purge(later, dry_run=True)["followups"] == 1
    closed.refresh_from_db()
    assert closed.note  # a dry run changes nothing
    assert purger.purge(later, dry_run=False)["followups"] == 1
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.note == "" and closed.outcome_note == "" and closed.purged_at is not None
    assert still_open.note
    assert purger.purge(later, dry_run=False)["followups"] == 0
    assert code_of(lambda: followups.followup_done(followup=closed, actor=officer)) in {
        "already_done",
        "purged",
    }


def test_the_completed_visit_links_to_a_new_follow_up(
    client: Any, officer: Any, completed: Any
) -> None:
    from django.urls import reverse

    client.force_login(officer)
    page = client.get(reverse("visits:request_detail", args=[completed.request_id])).content
    expected = reverse("stories:followup_new") + f"?kind=visits.visit&amp;id={completed.pk}"
    assert expected in page.decode()
