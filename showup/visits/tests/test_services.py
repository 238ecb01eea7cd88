"""Services: every transition, refusals, stock, notifications, retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from showup.core.models import AuditEntry, Notice
from showup.visits import services
from showup.visits.models import MementoStock, Visit, VisitGuest, VisitRequest
from showup.visits.services import VisitError

from .conftest import at


def actions() -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith="visits.").values_list("action", flat=True)
    )


def test_it_copies_the_place_rules_into_a_new_request(visit_request: Any, place: Any) -> None:
    assert visit_request.status == VisitRequest.Status.REQUESTED
    assert visit_request.place == place
    assert visit_request.max_group_size == 3
    assert visit_request.escort_required and visit_request.infection_screening
    assert not visit_request.photos_allowed
    assert visit_request.rules_notes == place.rules_notes
    assert visit_request.windows.count() == 2
    assert "visits.request.created" in actions()


def test_it_lets_one_request_relax_or_tighten_the_rules(make_request: Any) -> None:
    r = make_request(photos_allowed=True, max_group_size=2)
    assert r.photos_allowed and r.max_group_size == 2


def test_it_tells_the_coordinators_about_a_new_request(
    coordinator: Any, visit_request: Any
) -> None:
    notice = Notice.objects.get(user=coordinator)
    assert visit_request.reference in notice.text
    assert "Milo" not in notice.text


def test_it_refuses_a_group_larger_than_the_place_allows(make_request: Any) -> None:
    with pytest.raises(VisitError) as err:
        make_request(group_size=4)
    assert err.value.code == "group_too_large"
    assert VisitRequest.objects.count() == 0


def test_it_walks_a_visit_through_its_whole_life(
    visit_request: Any,
    officer: Any,
    coordinator: Any,
    other_partner: Any,
    shifts: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.stock_set(agency=officer.agency, kind="patch", quantity=5, actor=coordinator)
    services.stock_set(agency=officer.agency, kind="toy_badge", quantity=5, actor=coordinator)
    v = services.slot_propose(
        request=visit_request, officer=officer, start=at(1, 10), end=at(1, 11), actor=coordinator
    )
    visit_request.refresh_from_db()
    assert v.status == Visit.Status.PROPOSED and visit_request.status == "proposed"
    assert Notice.objects.filter(user=other_partner, text__contains="proposed").exists()

    services.slot_accept(visit=v, actor=other_partner)
    visit_request.refresh_from_db()
    assert visit_request.status == "scheduled"
    assert Notice.objects.filter(user=officer, text__contains="confirmed").exists()

    services.visit_start(visit=v, actor=officer)
    visit_request.refresh_from_db()
    assert visit_request.status == "in_progress"

    with django_capture_on_commit_callbacks(execute=True):
        services.visit_interrupt(visit=v, actor=officer)
    v.refresh_from_db()
    visit_request.refresh_from_db()
    assert v.status == "interrupted" and v.interrupt_reason == "called away"
    assert v.interrupted_at is not None
    assert visit_request.status == "interrupted" and visit_request.is_open
    assert visit_request.get_status_display() == "Interrupted — being rescheduled"
    # partner and coordinator: an in-app notice and an email each; the email names no child
    assert Notice.objects.filter(user=other_partner, text__contains="interrupted").exists()
    coord_notice = Notice.objects.filter(user=coordinator, text__contains="interrupted").get()
    assert coord_notice.url.endswith("/reschedule/")
    to = sorted(a for m in mail.outbox for a in m.to)
    assert to == sorted([other_partner.email, coordinator.email])
    assert all("Milo" not in m.body and "Milo" not in m.subject for m in mail.outbox)

    again = services.visit_reschedule(
        request=visit_request,
        officer=officer,
        start=at(3, 10),
        end=at(3, 11),
        actor=coordinator,
        guests=[("honouree", "Jordan")],
    )
    assert again.return_of == v
    services.slot_accept(visit=again, actor=other_partner)
    services.visit_start(visit=again, actor=officer)
    services.visit_complete(
        visit=again,
        actor=officer,
        note="Played cards.",
        mementos={"patch": 1, "toy_badge": 2},
        guests=[("officer", "Sgt. Lee")],
    )
    visit_request.refresh_from_db()
    again.refresh_from_db()
    assert visit_request.status == "completed" and visit_request.closed_at is not None
    assert again.status == "completed" and again.officer_note == "Played cards."
    assert sorted(VisitGuest.objects.filter(visit=again).values_list("kind", flat=True)) == [
        "honouree",
        "officer",
    ]
    recorded = set(actions())
    for code in (
        "visits.slot.proposed",
        "visits.slot.accepted",
        "visits.visit.started",
        "visits.visit.interrupted",
        "visits.visit.rescheduled",
        "visits.visit.completed",
    ):
        assert code in recorded


def test_it_refuses_an_overlapping_booking_for_one_officer(
    proposed: Any,
    make_request: Any,
    officer: Any,
    officer2: Any,
    coordinator: Any,
) -> None:
    other = make_request(child_first_name="Noa")
    with pytest.raises(VisitError) as err:
        services.slot_propose(
            request=other,
            officer=officer,
            start=at(1, 10, 30),
            end=at(1, 11, 30),
            actor=coordinator,
        )
    assert err.value.code == "overlap"
    assert proposed.request.reference in err.value.message
    other.refresh_from_db()
    assert other.status == "requested" and other.visits.count() == 0
    # back to back is fine, and so is another officer at the same time
    services.slot_propose(
        request=other, officer=officer2, start=at(1, 10, 30), end=at(1, 11, 30), actor=coordinator
    )
    third = make_request(child_first_name="Ivy")
    services.slot_propose(
        request=third, officer=officer, start=at(1, 11), end=at(1, 12), actor=coordinator
    )


def test_an_interrupted_visit_frees_the_officer(
    interrupted: Any, make_request: Any, officer: Any, coordinator: Any
) -> None:
    other = make_request(child_first_name="Noa")
    v = services.slot_propose(
        request=other,
        officer=officer,
        start=interrupted.start,
        end=interrupted.end,
        actor=coordinator,
    )
    assert v.pk


def test_it_refuses_guests_beyond_the_group_limit(
    interrupted: Any, officer: Any, coordinator: Any
) -> None:
    with pytest.raises(VisitError) as err:
        services.visit_reschedule(
            request=interrupted.request,
            officer=officer,
            start=at(4),
            end=at(4, 11),
            actor=coordinator,
            guests=[("officer", "A"), ("k9", "Rex"), ("honouree", "J")],
        )
    assert err.value.code == "group_too_large"


@pytest.mark.parametrize("step", ["accept", "start", "interrupt", "complete"])
def test_it_refuses_transitions_out_of_order(proposed: Any, officer: Any, step: Any) -> None:
    if step == "accept":
        services.slot_accept(visit=proposed, actor=officer)
        call = lambda: services.slot_accept(visit=proposed, actor=officer)  # noqa: E731
    elif step == "start":
        call = lambda: services.visit_start(visit=proposed, actor=officer)  # noqa: E731
    elif step == "interrupt":
        call = lambda: services.visit_interrupt(visit=proposed, actor=officer)  # noqa: E731
    else:
        services.slot_decline(visit=proposed, actor=officer)
        call = lambda: services.visit_complete(visit=proposed, actor=officer)  # noqa: E731
    with pytest.raises(VisitError) as err:
        call()
    assert err.value.code == "bad_state"


def test_it_refuses_a_second_proposal_while_one_is_open(
    proposed: Any, officer2: Any, coordinator: Any
) -> None:
    with pytest.raises(VisitError) as err:
        services.slot_propose(
            request=proposed.request,
            officer=officer2,
            start=at(5),
            end=at(5, 11),
            actor=coordinator,
        )
    assert err.value.code == "bad_state"


def test_declining_sends_the_request_back_to_the_coordinator(
    proposed: Any, other_partner: Any, coordinator: Any
) -> None:
    services.slot_decline(visit=proposed, actor=other_partner)
    proposed.request.refresh_from_db()
    assert proposed.request.status == "requested"
    assert Notice.objects.filter(user=coordinator, text__contains="cannot take").exists()


def test_giving_mementos_takes_them_from_the_stock(
    scheduled: Any, officer: Any, agency: Any, coordinator: Any
) -> None:
    services.stock_set(agency=agency, kind="patch", quantity=10, actor=coordinator)
    services.stock_set(agency=agency, kind="sticker", quantity=3, actor=coordinator)
    services.visit_complete(visit=scheduled, actor=officer, mementos={"patch": 2, "sticker": 3})
    stock = dict(MementoStock.objects.filter(agency=agency).values_list("kind", "quantity"))
    assert stock == {"patch": 8, "sticker": 0}
    assert "visits.stock.set" in actions()


def test_giving_more_than_the_stock_is_refused_and_saves_nothing(
    scheduled: Any, officer: Any, agency: Any, coordinator: Any
) -> None:
    services.stock_set(agency=agency, kind="patch", quantity=10, actor=coordinator)
    with pytest.raises(VisitError) as err:
        services.visit_complete(visit=scheduled, actor=officer, mementos={"patch": 2, "sticker": 1})
    assert err.value.code == "not_enough_stock"
    assert "recount" in err.value.message and "(0 left)" in err.value.message
    scheduled.refresh_from_db()
    assert scheduled.status == "scheduled"  # the whole completion was rolled back
    assert MementoStock.objects.get(agency=agency, kind="patch").quantity == 10


def test_photo_consent_respects_the_place_rules(scheduled: Any, officer: Any) -> None:
    with pytest.raises(VisitError) as err:
        services.visit_complete(visit=scheduled, actor=officer, photo_consent=True)
    assert err.value.code == "photos_not_allowed"
    scheduled.refresh_from_db()
    assert scheduled.status == "scheduled"


def test_a_story_needs_consent(
    make_request: Any, officer: Any, coordinator: Any, other_partner: Any, shifts: Any
) -> None:
    r = make_request(photos_allowed=True)
    v = services.slot_propose(
        request=r, officer=officer, start=at(2), end=at(2, 11), actor=coordinator
    )
    services.slot_accept(visit=v, actor=other_partner)
    with pytest.raises(VisitError):
        services.visit_complete(visit=v, actor=officer, can_feed_story=True)
    services.visit_complete(visit=v, actor=officer, photo_consent=True, can_feed_story=True)
    v.refresh_from_db()
    assert v.photo_consent and v.can_feed_story


def test_a_return_visit_links_to_the_first(completed: Any, officer: Any, coordinator: Any) -> None:
    v = services.return_visit_create(
        first_visit=completed,
        officer=officer,
        start=at(6),
        end=at(6, 11),
        actor=coordinator,
        guests=[("k9", "Rex and Officer Kay")],
    )
    completed.request.refresh_from_db()
    assert v.return_of == completed and completed.request.status == "proposed"
    assert completed.request.closed_at is None
    assert v.guests.get().kind == "k9"


def test_cancel_closes_the_request_and_frees_the_officer(proposed: Any, other_partner: Any) -> None:
    services.request_cancel(request=proposed.request, actor=other_partner, reason="discharged")
    proposed.refresh_from_db()
    assert proposed.status == "cancelled" and proposed.request.status == "cancelled"
    with pytest.raises(VisitError):
        services.request_cancel(request=proposed.request, actor=other_partner)


def test_shifts_must_be_sane(officer: Any, coordinator: Any) -> None:
    with pytest.raises(VisitError):
        services.shift_add(officer=officer, start=at(1, 10), end=at(1, 9), actor=coordinator)
    with pytest.raises(VisitError):
        services.shift_add(officer=officer, start=at(1, 0), end=at(2, 1), actor=coordinator)
    assert services.shift_add(officer=officer, start=at(1, 8), end=at(1, 16), actor=coordinator)


def test_purge_clears_personal_details_after_the_retention_period(
    completed: Any,
    visit_request: Any,
    agency: Any,
) -> None:
    agency.retention_days = 30
    agency.save()
    completed.guests.create(kind="honouree", name="Jordan")
    now = completed.completed_at
    assert services.purge_expired_visits(now + timedelta(days=29)) == 0
    assert services.purge_expired_visits(now + timedelta(days=31)) == 1
    r = VisitRequest.objects.get(pk=completed.request_id)
    assert (r.child_first_name, r.interests, r.asked_for, r.ward) == ("", "", "", "")
    assert r.purged_at is not None and r.status == "completed"
    completed.refresh_from_db()
    assert completed.officer_note == "" and completed.guests.get().name == ""
    assert completed.mementos.get().kind == "patch"  # the non-identifying record stays
    open_one = VisitRequest.objects.get(pk=visit_request.pk)
    assert open_one.child_first_name == "Milo"  # open requests are never purged
    assert services.purge_expired_visits(now + timedelta(days=60)) == 0  # only once
    assert AuditEntry.objects.filter(action="visits.request.purged").count() == 1


def test_a_failed_email_is_audited_and_undoes_nothing(
    in_progress: Any,
    officer: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise OSError("smtp down")

    monkeypatch.setattr("showup.visits.notify.send_mail", boom)
    with django_capture_on_commit_callbacks(execute=True):
        services.visit_interrupt(visit=in_progress, actor=officer)
    in_progress.refresh_from_db()
    assert in_progress.status == "interrupted"
    assert AuditEntry.objects.filter(action="visits.notification.failed").count() == 2


def test_interruption_uses_the_time_given(in_progress: Any, officer: Any) -> None:
    when = timezone.now() - timedelta(minutes=3)
    services.visit_interrupt(visit=in_progress, actor=officer, at=when)
    in_progress.refresh_from_db()
    assert in_progress.interrupted_at == when


def test_the_purge_command_and_task_also_purge_visit_requests(completed: Any, agency: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    agency.retention_days = 0
    agency.save()
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "Purged 1 visit request(s)." in out.getvalue()
    assert VisitRequest.objects.get(pk=completed.request_id).child_first_name == ""


def test_the_cancel_reason_stays_on_the_request_not_in_the_audit_and_is_purged(
    proposed: Any, other_partner: Any
) -> None:
    request = services.request_cancel(
        request=proposed.request, actor=other_partner, reason="Milo relapsed, back in ICU"
    )
    request.refresh_from_db()
    assert request.cancel_reason == "Milo relapsed, back in ICU"
    entry = AuditEntry.objects.get(action="visits.request.cancelled", object_id=str(request.pk))
    assert "relapsed" not in str(entry.data) and entry.data["has_reason"] is True
    later = timezone.now() + timedelta(days=request.agency.retention_days + 1)
    assert services.purge_expired_visits(now=later) >= 1
    request.refresh_from_db()
    assert request.cancel_reason == ""


def test_a_cancel_reason_with_control_characters_is_refused_and_nothing_changes(
    proposed: Any, other_partner: Any
) -> None:
    with pytest.raises(VisitError) as caught:
        services.request_cancel(request=proposed.request, actor=other_partner, reason="a\x00b")
    assert caught.value.code == "bad_reason"
    proposed.request.refresh_from_db()
    assert proposed.request.status != "cancelled"
