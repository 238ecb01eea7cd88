"""The public pages: the list, an event's page, the RSVP form and the family's private page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry, IdempotencyKey
from showup.events import services
from showup.events.models import Event, Feedback, Invitation, RegisteredChild, Registration
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(agency: Any, coordinator: Any) -> Event:
    event = make_event(
        agency,
        coordinator,
        capacity=6,
        description="Cruiser tours and face painting.",
        accessibility="Step-free entrance on Main St.",
        staff_languages="en, es",
        lat=34.05,
        lon=-118.24,
    )
    services.activity_add(
        event=event,
        actor=coordinator,
        title="K-9 demonstration",
        start=event.start + timedelta(hours=1),
        place="the field",
    )
    services.material_add(
        event=event, actor=coordinator, title="Door latches", body="Fit them high."
    )
    return event


def rsvp_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "idempotency_key": "k-" + str(overrides.pop("key", "1")),
        "contact_name": "Lucia Alvarez",
        "email": "lucia@example.org",
        "phone": "",
        "adults": "1",
        "languages": "es, en",
        "accessibility_needs": "",
        "children-TOTAL_FORMS": "3",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "1",
        "children-MAX_NUM_FORMS": "10",
        "children-0-first_name": "Mateo",
        "children-0-age_band": "4-6",
        "children-1-first_name": "Sofía",
        "children-1-age_band": "7-9",
        "children-2-first_name": "",
        "children-2-age_band": "",
    }
    data.update(overrides)
    return data


def test_list_shows_upcoming_published_events_with_counts_never_names(
    client: Any, event: Event, agency: Any, coordinator: Any
) -> None:
    register(event, adults=1, children=1, names=["Zorbatron"])
    draft = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Secret draft",
            "place_name": "x",
            "start": event.start,
            "end": event.end,
            "capacity": 5,
        },
    )
    response = client.get(reverse("events:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert event.title in body and "Station lot" in body
    assert "4 places left" in body
    assert "Zorbatron" not in body and "Parent" not in body
    assert draft.title not in body


def test_full_event_says_waitlist_open(client: Any, agency: Any, coordinator: Any) -> None:
    full = make_event(agency, coordinator, capacity=2)
    register(full, adults=1, children=1)
    body = client.get(reverse("events:list")).content.decode()
    assert "waitlist open" in body


def test_detail_shows_activities_material_languages_map_and_calendar(
    client: Any, event: Event
) -> None:
    register(event, names=["Zorbatron"])
    response = client.get(reverse("events:detail", args=[event.reference]))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "K-9 demonstration",
        "the field",
        "Door latches",
        "Fit them high.",
        "Step-free entrance",
        "English",
        "español",
        "geo:34.050000,-118.240000",
        reverse("events:ics", args=[event.reference]),
        reverse("events:rsvp", args=[event.reference]),
    ):
        assert text in body, text
    assert "Zorbatron" not in body
    assert "no-store" in response["Cache-Control"]


def test_draft_event_page_is_404(client: Any, agency: Any, coordinator: Any) -> None:
    draft = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Draft",
            "place_name": "x",
            "start": timezone.now() + timedelta(days=2),
            "end": timezone.now() + timedelta(days=2, hours=1),
            "capacity": 5,
        },
    )
    assert client.get(reverse("events:detail", args=[draft.reference])).status_code == 404
    assert client.get(reverse("events:rsvp", args=[draft.reference])).status_code == 404
    assert client.get(reverse("events:ics", args=[draft.reference])).status_code == 404


# --- RSVP --------------------------------------------------------------------------------------


def test_rsvp_form_has_three_child_rows_and_a_key(client: Any, event: Event) -> None:
    response = client.get(reverse("events:rsvp", args=[event.reference]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="children-2-first_name"' in body
    assert 'name="children-3-first_name"' not in body
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', body)


def test_rsvp_creates_a_confirmed_registration_and_shows_the_qr(client: Any, event: Event) -> None:
    response = client.post(reverse("events:rsvp", args=[event.reference]), rsvp_post())
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:manage", args=[registration.token])
    assert registration.status == Registration.Status.CONFIRMED
    assert [c.first_name for c in registration.children.all()] == ["Mateo", "Sofía"]
    assert registration.languages == "es, en"
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Thank you for registering" in body
    assert "You have a place" in body
    assert reverse("events:qr", args=[registration.token]) in body
    assert "no-store" in page["Cache-Control"]
    # The second visit is not the first time any more.
    assert "Thank you for registering" not in client.get(response["Location"]).content.decode()


def test_rsvp_sent_twice_with_the_same_key_creates_one(client: Any, event: Event) -> None:
    url = reverse("events:rsvp", args=[event.reference])
    first = client.post(url, rsvp_post(key="same"))
    second = client.post(url, rsvp_post(key="same"))
    assert Registration.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert IdempotencyKey.objects.filter(key="k-same").count() == 1
    # Back to the form: "You already registered", with the link.
    body = client.get(url).content.decode()
    assert "You already registered for this event" in body
    assert first["Location"] in body


def test_full_event_puts_the_family_on_the_waitlist_not_an_error(
    client: Any, agency: Any, coordinator: Any
) -> None:
    small = make_event(agency, coordinator, capacity=3)
    register(small, adults=1, children=1)
    response = client.post(reverse("events:rsvp", args=[small.reference]), rsvp_post())
    assert response.status_code == 302
    registration = Registration.objects.get(email="lucia@example.org")
    assert registration.status == Registration.Status.WAITLISTED
    body = client.get(response["Location"]).content.decode()
    assert "You are on the waitlist" in body
    assert "number 1 on the waitlist" in body
    assert "we will offer them to you" in body
    assert reverse("events:qr", args=[registration.token]) not in body


def test_a_200_character_name_is_refused_and_everything_typed_is_kept(
    client: Any, event: Event
) -> None:
    long_name = "A" * 200
    response = client.post(
        reverse("events:rsvp", args=[event.reference]),
        rsvp_post(**{"children-0-first_name": long_name, "accessibility_needs": "ramp"}),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert Registration.objects.count() == 0
    assert "at most 60 characters (you typed 200)" in body
    assert "data-focus-on-load" in body and 'id="form-errors"' in body
    assert long_name in body and "Sofía" in body and "ramp" in body
    assert 'href="#id_children-0-first_name"' in body


def test_no_contact_is_refused(client: Any, event: Event) -> None:
    response = client.post(
        reverse("events:rsvp", args=[event.reference]), rsvp_post(email="", phone="")
    )
    assert response.status_code == 400
    assert "email address or a mobile phone number" in response.content.decode()


def test_phone_read_with_the_agency_region(client: Any, event: Event) -> None:
    response = client.post(
        reverse("events:rsvp", args=[event.reference]),
        rsvp_post(email="", phone="(555) 201-3344"),
    )
    assert response.status_code == 302
    assert Registration.objects.get().phone == "+15552013344"


def test_no_child_is_refused(client: Any, event: Event) -> None:
    response = client.post(
        reverse("events:rsvp", args=[event.reference]),
        rsvp_post(
            **{
                "children-0-first_name": "",
                "children-0-age_band": "",
                "children-1-first_name": "",
                "children-1-age_band": "",
            }
        ),
    )
    assert response.status_code == 400
    assert Registration.objects.count() == 0
    assert "This field is required" in response.content.decode()


def test_duplicate_family_gets_the_services_message_with_what_was_typed(
    client: Any, event: Event
) -> None:
    register(event, email="lucia@example.org")
    response = client.post(
        reverse("events:rsvp", args=[event.reference]), rsvp_post(languages="tagalog")
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "already registered for this event" in body
    assert "tagalog" in body and "Mateo" in body


def test_more_rows_adds_three_rows_keeping_what_was_typed_without_errors(
    client: Any, event: Event
) -> None:
    response = client.post(
        reverse("events:rsvp", args=[event.reference]),
        rsvp_post(more_rows="1", contact_name="", email=""),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert Registration.objects.count() == 0
    assert 'name="children-5-first_name"' in body
    assert 'name="children-6-first_name"' not in body
    assert 'value="Mateo"' in body and 'value="Sofía"' in body
    assert 'id="form-errors"' not in body
    # Ten rows at most.
    ten = client.post(
        reverse("events:rsvp", args=[event.reference]),
        rsvp_post(more_rows="1", **{"children-TOTAL_FORMS": "9"}),
    ).content.decode()
    assert 'name="children-9-first_name"' in ten
    assert 'name="children-10-first_name"' not in ten
    assert 'name="more_rows"' not in ten


def test_eleven_children_are_refused(client: Any, event: Event) -> None:
    data = rsvp_post(**{"children-TOTAL_FORMS": "11"})
    for i in range(11):
        data[f"children-{i}-first_name"] = f"Kid{i}"
        data[f"children-{i}-age_band"] = "4-6"
    response = client.post(reverse("events:rsvp", args=[event.reference]), data)
    assert response.status_code == 400
    assert Registration.objects.count() == 0
    assert "At most 10 children" in response.content.decode()


def test_invitation_prefills_and_is_linked(client: Any, event: Event, officer: Any) -> None:
    invitation = Invitation.objects.create(
        event=event,
        channel=Invitation.Channel.SMS,
        contact="+15552013344",
        family_name="Lucia Alvarez",
        children_names="Mateo, Leo",
        sent_by=officer,
    )
    url = reverse("events:rsvp", args=[event.reference])
    body = client.get(url, {"i": invitation.token}).content.decode()
    assert 'value="Lucia Alvarez"' in body
    assert 'value="(555) 201-3344"' in body
    assert 'value="Mateo"' in body and 'value="Leo"' in body
    assert f'name="invitation" value="{invitation.token}"' in body
    data = rsvp_post(email="", phone="(555) 201-3344", invitation=invitation.token)
    assert client.post(url, data).status_code == 302
    assert Registration.objects.get().invitation == invitation
    # An unknown token prefills nothing.
    other = client.get(url, {"i": "nope"}).content.decode()
    assert "Lucia Alvarez" not in other


def test_rsvp_is_rate_limited_and_keeps_what_was_typed(
    client: Any, event: Event, settings: Any
) -> None:
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "1/600"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = ""
    url = reverse("events:rsvp", args=[event.reference])
    assert client.post(url, rsvp_post(key="a")).status_code == 302
    response = client.post(url, rsvp_post(key="b", email="other@example.org"))
    body = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"]
    assert Registration.objects.count() == 1
    assert "other@example.org" in body and 'id="rate-limited"' in body


def test_closed_event_says_so(client: Any, event: Event, coordinator: Any) -> None:
    services.event_cancel(event=event, actor=coordinator)
    url = reverse("events:rsvp", args=[event.reference])
    response = client.post(url, rsvp_post())
    assert Registration.objects.count() == 0
    assert "not taking registrations" in response.content.decode()
    assert (
        "This event was cancelled"
        in client.get(reverse("events:detail", args=[event.reference])).content.decode()
    )


# --- the family's page ----------------------------------------------------------------------


def test_unknown_or_purged_token_is_a_friendly_404(client: Any, event: Event) -> None:
    response = client.get(reverse("events:manage", args=["not-a-token"]))
    assert response.status_code == 404
    assert "We could not find this registration" in response.content.decode()
    registration = register(event)
    Registration.objects.filter(pk=registration.pk).update(purged_at=timezone.now())
    assert client.get(reverse("events:manage", args=[registration.token])).status_code == 404
    assert client.get(reverse("events:qr", args=[registration.token])).status_code == 404


def test_qr_png_decodes_to_the_services_payload(client: Any, event: Event, tmp_path: Any) -> None:
    registration = register(event)
    response = client.get(reverse("events:qr", args=[registration.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "no-store" in response["Cache-Control"]
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: run scripts/ensure-fonts.sh (make test does)")
    image = tmp_path / "qr.png"
    image.write_bytes(response.content)
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded == services.qr_payload(registration)
    assert services.registration_from_qr(decoded) == registration


def test_change_counts_and_children(client: Any, event: Event) -> None:
    registration = register(event, adults=1, children=1, email="lucia@example.org")
    url = reverse("events:change", args=[registration.token])
    body = client.get(url).content.decode()
    assert 'value="lucia@example.org"' in body
    response = client.post(url, rsvp_post(adults="2"))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.adults == 2
    assert [c.first_name for c in registration.children.all()] == ["Mateo", "Sofía"]


def test_change_beyond_the_places_moves_to_the_waitlist(
    client: Any, agency: Any, coordinator: Any
) -> None:
    small = make_event(agency, coordinator, capacity=5)
    register(small, adults=1, children=1)
    registration = register(small, adults=1, children=1, email="lucia@example.org")
    response = client.post(
        reverse("events:change", args=[registration.token]), rsvp_post(adults="2"), follow=True
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.WAITLISTED
    assert "on the waitlist" in response.content.decode()


def test_cancel_needs_a_confirmation_then_frees_places(client: Any, event: Event) -> None:
    registration = register(event)
    url = reverse("events:cancel", args=[registration.token])
    assert "Yes, cancel it" in client.get(url).content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    response = client.post(url, follow=True)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert "Your registration is cancelled" in response.content.decode()


def test_offered_family_accepts(client: Any, agency: Any, coordinator: Any) -> None:
    small = make_event(agency, coordinator, capacity=2)
    first = register(small, adults=1, children=1)
    waiting = register(small, adults=1, children=1)
    assert waiting.status == Registration.Status.WAITLISTED
    services.registration_cancel(registration=first)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED
    body = client.get(reverse("events:manage", args=[waiting.token])).content.decode()
    assert "A place is free for you" in body and "Accept the places" in body
    client.post(reverse("events:offer_accept", args=[waiting.token]))
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_offered_family_declines(client: Any, agency: Any, coordinator: Any) -> None:
    small = make_event(agency, coordinator, capacity=2)
    first = register(small, adults=1, children=1)
    waiting = register(small, adults=1, children=1)
    services.registration_cancel(registration=first)
    client.post(reverse("events:offer_decline", args=[waiting.token]))
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CANCELLED


def test_late_accept_shows_the_offer_expired_message(
    client: Any, agency: Any, coordinator: Any
) -> None:
    small = make_event(agency, coordinator, capacity=2)
    first = register(small, adults=1, children=1)
    waiting = register(small, adults=1, children=1)
    services.registration_cancel(registration=first)
    Registration.objects.filter(pk=waiting.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(reverse("events:offer_accept", args=[waiting.token]), follow=True)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.EXPIRED
    assert "the time to accept this place has passed" in response.content.decode()


def test_feedback_after_the_event_once(client: Any, event: Event) -> None:
    registration = register(event)
    url = reverse("events:feedback", args=[registration.token])
    assert "Feedback opens when the event has begun" in client.get(url).content.decode()
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=1)
    )
    assert 'name="felt_welcome"' in client.get(url).content.decode()
    bad = client.post(url, {"felt_welcome": "yes"})
    assert bad.status_code == 400 and Feedback.objects.count() == 0
    ok = client.post(
        url, {"felt_welcome": "yes", "would_call_officer": "somewhat", "liked": "the K-9"}
    )
    assert ok.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.registration, feedback.would_call_officer) == (registration, "somewhat")
    assert "we already have your feedback" in client.get(url).content.decode()
    client.post(url, {"felt_welcome": "no", "would_call_officer": "no"})
    assert Feedback.objects.count() == 1


def test_family_pages_write_no_names_to_the_audit(client: Any, event: Event) -> None:
    client.post(reverse("events:rsvp", args=[event.reference]), rsvp_post())
    for entry in AuditEntry.objects.all():
        text = str(entry.data)
        assert "Mateo" not in text and "Lucia" not in text and "lucia@" not in text


def test_home_page_lists_upcoming_events_for_the_public(client: Any, event: Event) -> None:
    register(event, names=["Zorbatron"])
    body = client.get("/").content.decode()
    assert "Upcoming community events" in body
    assert reverse("events:detail", args=[event.reference]) in body
    assert "Zorbatron" not in body
    assert RegisteredChild.objects.filter(first_name="Zorbatron").exists()
