"""The events rules: who may change events, registrations refused (closed, duplicate, bad
input), check-in (idempotent, forged QR, wrong event), invitations, the retention purge and the
registries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.core.registry import audit_label, notification_kinds, periodic_jobs, purgers
from showup.events import services
from showup.events.models import CheckIn, Event, Invitation, Registration
from showup.events.services import EventError
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db


def test_only_the_agencys_coordinators_create_and_change_events(
    agency: Any, coordinator: Any, officer: Any, outsider: Any
) -> None:
    event = make_event(agency, coordinator)
    assert event.status == Event.Status.PUBLISHED
    for who in (officer, outsider):
        with pytest.raises(EventError) as exc:
            services.event_update(event=event, actor=who, data={"title": "X"})
        assert exc.value.status == 403
    with pytest.raises(EventError) as exc:
        services.event_create(
            agency=agency,
            actor=coordinator,
            data={
                "title": "Bad",
                "place_name": "Lot",
                "start": timezone.now() + timedelta(days=2),
                "end": timezone.now() + timedelta(days=1),
                "capacity": 5,
            },
        )
    assert exc.value.code == "end_before_start"


def test_registrations_close_for_drafts_past_and_cancelled_events(
    agency: Any, coordinator: Any
) -> None:
    start = timezone.now() + timedelta(days=3)
    draft = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Open house",
            "place_name": "Station",
            "start": start,
            "end": start + timedelta(hours=2),
            "capacity": 10,
        },
    )
    with pytest.raises(EventError) as exc:
        register(draft)
    assert exc.value.code == "event_closed"
    past = make_event(agency, coordinator)
    Event.objects.filter(pk=past.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(hours=1)
    )
    with pytest.raises(EventError) as exc:
        register(Event.objects.get(pk=past.pk))
    assert exc.value.code == "event_closed"
    cancelled = make_event(agency, coordinator)
    services.event_cancel(event=cancelled, actor=coordinator)
    with pytest.raises(EventError) as exc:
        register(cancelled)
    assert exc.value.code == "event_closed"
    assert not Registration.objects.exists()


def test_duplicates_by_email_or_phone_are_caught(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator)
    first = register(event, email="Maria@Example.org", phone="(555) 201-3344")
    for email, phone in (("maria@example.org", ""), ("", "555-201-3344")):
        with pytest.raises(EventError) as exc:
            register(event, email=email, phone=phone)
        assert exc.value.code == "duplicate"
    # Once cancelled, the family may register again.
    services.registration_cancel(registration=first)
    assert register(event, email="maria@example.org").status == Registration.Status.CONFIRMED


@pytest.mark.parametrize(
    ("data", "children", "code"),
    [
        ({"email": "", "phone": ""}, 1, "no_contact"),
        ({"adults": 0}, 1, "adults"),
        ({}, 0, "children_count"),
        ({}, 11, "children_count"),
        ({"email": "not-an-address"}, 1, "bad_email"),
        ({"contact_name": "Ana\u202eBob"}, 1, "bad_text"),
    ],
)
def test_bad_registrations_are_refused_with_a_code(
    agency: Any, coordinator: Any, data: dict[str, Any], children: int, code: str
) -> None:
    event = make_event(agency, coordinator)
    base = {"contact_name": "Maria", "email": "m@example.org", "phone": "", "adults": 1}
    kids = [{"first_name": "Leo", "age_band": "4-6"}] * children
    with pytest.raises(EventError) as exc:
        services.registration_create(event=event, data=base | data, children=kids, language="en")
    assert exc.value.code == code
    assert exc.value.status == 422


def test_a_childs_name_of_200_characters_is_refused_not_cut(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator)
    with pytest.raises(EventError) as exc:
        services.registration_create(
            event=event,
            data={"contact_name": "Maria", "email": "m@example.org"},
            children=[{"first_name": "A" * 200, "age_band": "4-6"}],
            language="en",
        )
    assert exc.value.code == "name_too_long"
    names = ["محمد", "小明", "Дмитрий"]
    reg = register(event, children=3, names=names)
    assert [c.first_name for c in reg.children.all()] == names


def test_checkin_by_qr_is_idempotent_and_marks_the_children(
    agency: Any, coordinator: Any, officer: Any
) -> None:
    event = make_event(agency, coordinator)
    reg = register(event, children=2)
    payload = services.qr_payload(reg)
    at = timezone.now()
    first = services.checkin_record(
        event=event, actor=officer, payload_or_registration=payload, scan_id="s-1", scanned_at=at
    )
    again = services.checkin_record(
        event=event, actor=officer, payload_or_registration=payload, scan_id="s-1", scanned_at=at
    )
    assert again.pk == first.pk
    assert CheckIn.objects.count() == 1
    assert all(c.checked_in_at == at for c in reg.children.all())
    assert AuditEntry.objects.filter(action="events.checkin.recorded").count() == 1


def test_a_second_phone_scanning_a_family_already_in_records_nothing(
    agency: Any, coordinator: Any, officer: Any, officer2: Any
) -> None:
    """Two doors, two phones, one family: it counts once and keeps its first time."""
    event = make_event(agency, coordinator)
    reg = register(event, children=2)
    payload = services.qr_payload(reg)
    at = timezone.now() - timedelta(minutes=3)
    first = services.checkin_record(
        event=event, actor=officer, payload_or_registration=payload, scan_id="a-1", scanned_at=at
    )
    other_door = services.checkin_record(
        event=event,
        actor=officer2,
        payload_or_registration=payload,
        scan_id="b-1",
        scanned_at=timezone.now(),
    )
    assert other_door.pk == first.pk and other_door.scan_id == "a-1"
    assert CheckIn.objects.count() == 1
    assert all(c.checked_in_at == at for c in reg.children.all())
    assert AuditEntry.objects.filter(action="events.checkin.recorded").count() == 1


def test_a_child_arriving_later_is_still_checked_in(
    agency: Any, coordinator: Any, officer: Any
) -> None:
    event = make_event(agency, coordinator)
    reg = register(event, children=2)
    early, late = reg.children.order_by("pk")
    services.checkin_record(
        event=event,
        actor=officer,
        payload_or_registration=reg,
        scan_id="t-1",
        scanned_at=timezone.now(),
        children_ids=[early.pk],
    )
    later = services.checkin_record(
        event=event,
        actor=officer,
        payload_or_registration=reg,
        scan_id="t-2",
        scanned_at=timezone.now(),
        children_ids=[late.pk],
    )
    assert later.scan_id == "t-2"
    assert CheckIn.objects.count() == 2
    assert reg.children.filter(checked_in_at__isnull=True).count() == 0


def test_forged_altered_and_foreign_qr_codes_are_refused(
    agency: Any, coordinator: Any, officer: Any, outsider: Any
) -> None:
    event = make_event(agency, coordinator)
    other = make_event(agency, coordinator, title="Open house")
    reg = register(event)
    elsewhere = register(other)
    payload = services.qr_payload(reg)
    pk, signature = payload.split(":", 1)
    forged = [f"{elsewhere.pk}:{signature}", f"{pk}:{signature[:-2]}xx", "hello", ""]
    for bad in forged:
        with pytest.raises(EventError) as exc:
            services.checkin_record(
                event=event,
                actor=officer,
                payload_or_registration=bad,
                scan_id=f"x{bad}"[:60],
                scanned_at=timezone.now(),
            )
        assert exc.value.code == "bad_qr", bad
    with pytest.raises(EventError) as exc:
        services.checkin_record(
            event=event,
            actor=officer,
            payload_or_registration=services.qr_payload(elsewhere),
            scan_id="y",
            scanned_at=timezone.now(),
        )
    assert exc.value.code == "wrong_event"
    with pytest.raises(EventError) as exc:
        services.checkin_record(
            event=event,
            actor=outsider,
            payload_or_registration=payload,
            scan_id="z",
            scanned_at=timezone.now(),
        )
    assert exc.value.status == 403
    assert not CheckIn.objects.exists()


def test_a_waitlisted_family_cannot_check_in(agency: Any, coordinator: Any, officer: Any) -> None:
    event = make_event(agency, coordinator, capacity=2)
    register(event)
    waiting = register(event)
    with pytest.raises(EventError) as exc:
        services.checkin_record(
            event=event,
            actor=officer,
            payload_or_registration=waiting.pk,
            scan_id="w",
            scanned_at=timezone.now(),
        )
    assert exc.value.code == "not_confirmed"


def test_an_invitation_links_the_rsvp_and_names_no_child_in_the_email(
    agency: Any,
    coordinator: Any,
    officer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = make_event(agency, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(
            event=event,
            actor=officer,
            channel="email",
            contact="mother@example.org",
            family_name="Ortiz",
            children_names="Eli",
            language="es",
        )
    assert len(mail.outbox) == 1
    assert f"/events/{event.reference}/rsvp/?i={invitation.token}" in mail.outbox[0].body
    assert "Eli" not in mail.outbox[0].body
    reg = services.registration_create(
        event=event,
        data={"contact_name": "Maria Ortiz", "email": "mother@example.org"},
        children=[{"first_name": "Eli", "age_band": "4-6"}],
        language="es",
        invitation=invitation,
    )
    assert reg.invitation_id == invitation.pk
    with pytest.raises(EventError) as exc:
        services.invitation_send(event=event, actor=officer, channel="sms", contact="abc")
    assert exc.value.code == "bad_phone"


def test_feedback_once_per_registration_after_the_start(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator)
    reg = register(event)
    answers = {"felt_welcome": "yes", "would_call_officer": "yes", "liked": "The K-9"}
    with pytest.raises(EventError) as exc:
        services.feedback_submit(event=event, registration=reg, data=answers)
    assert exc.value.code == "too_early"
    Event.objects.filter(pk=event.pk).update(start=timezone.now() - timedelta(hours=1))
    event.refresh_from_db()
    services.feedback_submit(event=event, registration=reg, data=answers)
    with pytest.raises(EventError) as exc:
        services.feedback_submit(event=event, registration=reg, data=answers)
    assert exc.value.code == "duplicate_feedback"


def test_purge_after_retention_clears_names_and_contact(
    agency: Any, coordinator: Any, officer: Any
) -> None:
    event = make_event(agency, coordinator)
    reg = register(event, email="keep@example.org", phone="555-201-3344", names=["Leo"])
    services.invitation_send(event=event, actor=officer, channel="email", contact="x@example.org")
    ended = timezone.now() - timedelta(days=agency.retention_days + 1)
    Event.objects.filter(pk=event.pk).update(start=ended - timedelta(hours=3), end=ended)
    recent = make_event(agency, coordinator, title="Next")
    kept = register(recent)
    counts = services.purge_expired_registrations()
    assert counts == {"registrations": 1, "invitations": 1}
    reg.refresh_from_db()
    assert (reg.contact_name, reg.email, reg.phone, reg.accessibility_needs) == ("", "", "", "")
    assert reg.purged_at is not None
    assert [c.first_name for c in reg.children.all()] == [""]
    assert reg.children.get().age_band == "4-6"  # the non-identifying record stays
    invitation = Invitation.objects.get()
    assert (invitation.contact, invitation.purged_at is not None) == ("", True)
    kept.refresh_from_db()
    assert kept.contact_name and kept.purged_at is None
    assert services.purge_expired_registrations() == {"registrations": 0, "invitations": 0}
    # A purged QR code no longer checks anyone in.
    with pytest.raises(EventError):
        services.registration_from_qr(services.qr_payload(reg))


def test_events_plug_into_cores_registries() -> None:
    assert "events" in [p.name for p in purgers()]
    assert {
        "events.registration_confirmed",
        "events.registration_waitlisted",
        "events.offer_made",
        "events.offer_expired",
        "events.event_cancelled",
        "events.invitation",
    } <= set(notification_kinds())
    assert audit_label("events.offer.expired") == "Offered place expired"
    assert "events.expire_offers" in periodic_jobs()


def test_the_scheduler_expires_offers(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=2)
    holder = register(event)
    late = register(event)
    services.registration_cancel(registration=holder)
    Registration.objects.filter(pk=late.pk).update(
        offer_expires_at=timezone.now() - timedelta(seconds=1)
    )
    call_command("run_scheduler", "--once", "--interval", "60")
    assert Registration.objects.get(pk=late.pk).status == Registration.Status.EXPIRED
