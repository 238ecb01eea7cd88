"""The events API, from every role: the agency's staff, another agency (404), partners (403),
anonymous callers (public list with counts, never names)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.events import services
from showup.events.models import CheckIn, Event
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _event_body(**extra: Any) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=10)
    return {
        "title": "Community day",
        "place_name": "Station lot",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=4)).isoformat(),
        "capacity": 40,
        **extra,
    }


def test_coordinator_creates_publishes_and_idempotency_key_creates_once(
    coordinator: Any,
) -> None:
    client = _client(coordinator)
    body = json.dumps(_event_body())
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    first = client.post("/api/events/", body, content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    again = client.post("/api/events/", body, content_type="application/json", **headers)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Event.objects.count() == 1
    other = json.dumps(_event_body(title="Another"))
    reused = client.post("/api/events/", other, content_type="application/json", **headers)
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["type"] == "idempotency_key_reused"
    pk = first.json()["id"]
    published = client.post(f"/api/events/{pk}/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert client.post(f"/api/events/{pk}/publish").status_code == 409


def test_bad_event_input_is_422_not_500(coordinator: Any) -> None:
    client = _client(coordinator)
    for body in (
        _event_body(title="A\x00B"),
        _event_body(start="2025-01-01T10:00:00"),  # no offset
        _event_body(capacity=0),
        _event_body(end=(timezone.now() + timedelta(days=1)).isoformat()),  # before start
    ):
        response = client.post("/api/events/", json.dumps(body), content_type="application/json")
        assert response.status_code == 422, (body, response.content)
    assert not Event.objects.exists()


def test_officers_read_but_do_not_change_events(
    agency: Any, coordinator: Any, officer: Any
) -> None:
    event = make_event(agency, coordinator)
    client = _client(officer)
    assert client.get(f"/api/events/{event.pk}").status_code == 200
    assert client.get("/api/events/").json()[0]["id"] == event.pk
    response = client.post(
        "/api/events/", json.dumps(_event_body()), content_type="application/json"
    )
    assert response.status_code == 403
    assert client.post(f"/api/events/{event.pk}/cancel").status_code == 403
    patch = client.patch(
        f"/api/events/{event.pk}", json.dumps({"title": "X"}), content_type="application/json"
    )
    assert patch.status_code == 403


def test_other_agency_and_partners_see_nothing(
    agency: Any, coordinator: Any, outsider: Any, partner: Any
) -> None:
    event = make_event(agency, coordinator)
    register(event)
    other = _client(outsider)
    assert other.get(f"/api/events/{event.pk}").status_code == 404
    assert other.get(f"/api/events/{event.pk}/registrations").status_code == 404
    assert other.post(f"/api/events/{event.pk}/cancel").status_code == 404
    assert other.get("/api/events/").json() == []
    assert _client(partner).get("/api/events/").status_code == 403
    assert _client(partner).get(f"/api/events/{event.pk}").status_code == 403
    assert _client(None).get("/api/events/").status_code == 401
    assert _client(None).get(f"/api/events/{event.pk}/registrations").status_code == 401


def test_staff_list_registrations_with_names_audited(
    agency: Any, coordinator: Any, officer: Any
) -> None:
    event = make_event(agency, coordinator)
    register(event, names=["Eli"])
    response = _client(officer).get(f"/api/events/{event.pk}/registrations")
    assert response.status_code == 200
    assert response.json()[0]["children"][0]["first_name"] == "Eli"
    entry = AuditEntry.objects.filter(action="events.registration.listed").get()
    assert entry.actor_id == officer.pk
    assert "Eli" not in json.dumps(entry.data)


def test_anonymous_public_list_shows_counts_never_names(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=3)
    register(event, names=["Eli"], email="mother@example.org")
    register(event, adults=1, children=1)  # waitlisted
    start = timezone.now() + timedelta(days=3)
    draft = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Secret draft",
            "place_name": "Lot",
            "start": start,
            "end": start + timedelta(hours=1),
            "capacity": 5,
        },
    )
    client = _client(None)
    listing = client.get("/api/events/public")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Eli" not in text and "mother@example.org" not in text and "Parent" not in text
    (item,) = listing.json()
    assert item["reference"] == event.reference
    assert item["counts"]["confirmed_people"] == 2
    assert item["counts"]["waitlisted_families"] == 1
    assert item["counts"]["places_left"] == 1
    assert client.get(f"/api/events/public/{event.reference}").status_code == 200
    assert client.get(f"/api/events/public/{draft.reference}").status_code == 404


def test_checkin_over_the_api_is_idempotent(agency: Any, coordinator: Any, officer: Any) -> None:
    event = make_event(agency, coordinator)
    reg = register(event, children=2)
    client = _client(officer)
    body = json.dumps(
        {
            "payload": services.qr_payload(reg),
            "scan_id": "phone-1-0001",
            "scanned_at": timezone.now().isoformat(),
        }
    )
    first = client.post(f"/api/events/{event.pk}/checkins", body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["children_checked_in"] == 2
    again = client.post(f"/api/events/{event.pk}/checkins", body, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert CheckIn.objects.count() == 1
    forged = json.dumps(
        {"payload": "1:forged", "scan_id": "p2", "scanned_at": timezone.now().isoformat()}
    )
    bad = client.post(f"/api/events/{event.pk}/checkins", forged, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["type"] == "bad_qr"


def test_officer_sends_an_invitation(agency: Any, coordinator: Any, officer: Any) -> None:
    event = make_event(agency, coordinator)
    body = {"channel": "email", "contact": "mother@example.org"}
    half = {**body, "source_kind": "reunite.report"}  # an encounter's kind without its id
    refused = _client(officer).post(
        f"/api/events/{event.pk}/invitations", json.dumps(half), content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "bad_source"
    response = _client(officer).post(
        f"/api/events/{event.pk}/invitations", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert "contact" not in response.json()
    bad = _client(officer).post(
        f"/api/events/{event.pk}/invitations",
        json.dumps({**body, "contact": "nope"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
