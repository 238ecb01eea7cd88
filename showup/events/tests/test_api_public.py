"""The family's API without an account: register (idempotent, rate limited), then read,
cancel, accept or decline by the private token."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from showup.events import services
from showup.events.models import Registration
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings: Any) -> None:
    """Limits off unless a test turns them on (counters live in the shared cache)."""
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "0"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "0"
    cache.clear()


def _body(**extra: Any) -> dict[str, Any]:
    return {
        "contact_name": "Dana Reyes",
        "email": "dana@example.org",
        "adults": 1,
        "children": [
            {"first_name": "Mateo", "age_band": "4-6"},
            {"first_name": "ليلى", "age_band": "7-9"},
        ],
        **extra,
    }


def _post(client: Client, reference: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(
        f"/api/events/public/{reference}/registrations",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_register_is_idempotent_with_the_key_and_needs_no_csrf(
    agency: Any, coordinator: Any
) -> None:
    event = make_event(agency, coordinator, capacity=10)
    client = Client(enforce_csrf_checks=True)
    key = {"HTTP_IDEMPOTENCY_KEY": "5b0c7c0e-5f7a-4c43-9a54-2b8f5c1a0d11"}
    first = _post(client, event.reference, _body(), **key)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == "confirmed"
    assert data["people"] == 3
    assert data["waitlist_position"] is None
    registration = Registration.objects.get()
    assert data["reference"] == registration.reference
    assert data["manage_url"].endswith(f"/r/{registration.token}/")
    assert sorted(registration.children.values_list("first_name", flat=True)) == [
        "Mateo",
        "ليلى",
    ]
    # A retry from another client (no cookies, no session) at the same address: the same answer.
    again = _post(Client(enforce_csrf_checks=True), event.reference, _body(), **key)
    assert again.status_code == 201
    assert again.json()["reference"] == data["reference"]
    assert Registration.objects.count() == 1
    reused = _post(client, event.reference, _body(email="other@example.org"), **key)
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["type"] == "idempotency_key_reused"
    # Another address with the same key is another caller: a new request, refused as duplicate.
    elsewhere = _post(client, event.reference, _body(), REMOTE_ADDR="198.51.100.7", **key)
    assert elsewhere.status_code == 409
    assert elsewhere.json()["code"] == "duplicate"
    bad_key = _post(client, event.reference, _body(), HTTP_IDEMPOTENCY_KEY="é" * 3)
    assert bad_key.status_code == 400
    assert Registration.objects.count() == 1


def test_duplicate_refused_and_full_event_waitlists(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=3)
    client = Client()
    assert _post(client, event.reference, _body()).json()["status"] == "confirmed"
    duplicate = _post(client, event.reference, _body(contact_name="Dana again"))
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate"
    later = _post(
        client,
        event.reference,
        _body(
            email="", phone="+1 213 555 0142", children=[{"first_name": "Ana", "age_band": "0-3"}]
        ),
    )
    assert later.status_code == 201, later.content
    assert later.json()["status"] == "waitlisted"
    assert later.json()["waitlist_position"] == 1
    assert services.places_taken(event) == 3
    too_large = _post(client, event.reference, _body(email="big@example.org", adults=2))
    assert too_large.status_code == 422
    assert too_large.json()["detail"][0]["type"] == "family_too_large"
    assert _post(client, "E-ZZZZZZ", _body(email="x@example.org")).status_code == 404


def test_token_view_shows_only_the_family_and_unknown_token_is_404(
    agency: Any, coordinator: Any
) -> None:
    event = make_event(agency, coordinator, capacity=2)
    first = register(event, children=1)
    waiting = register(event, children=1)
    answer = Client().get(f"/api/events/registrations/{waiting.token}")
    assert answer.status_code == 200
    data = answer.json()
    assert data["reference"] == waiting.reference
    assert data["status"] == "waitlisted"
    assert data["waitlist_position"] == 1
    text = answer.content.decode()
    assert first.reference not in text and first.contact_name not in text
    assert first.token not in text
    unknown = Client().get("/api/events/registrations/" + "x" * 43)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    for action in ("cancel", "accept", "decline"):
        assert Client().post(f"/api/events/registrations/{'y' * 43}/{action}").status_code == 404
    waiting.purged_at = waiting.created_at
    waiting.save(update_fields=["purged_at"])
    assert Client().get(f"/api/events/registrations/{waiting.token}").status_code == 404


def test_cancel_offers_the_place_to_the_next_then_accept_and_decline(
    agency: Any, coordinator: Any
) -> None:
    event = make_event(agency, coordinator, capacity=2)
    confirmed = register(event, children=1)
    second = register(event, children=1)  # waitlisted, first in line
    third = register(event, children=1)  # waitlisted, second in line
    client = Client(enforce_csrf_checks=True)
    # Nothing offered yet: accept and decline are refused with the service's code.
    refused = client.post(f"/api/events/registrations/{second.token}/accept")
    assert refused.status_code == 409 and refused.json()["code"] == "bad_state"
    cancelled = client.post(f"/api/events/registrations/{confirmed.token}/cancel")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/events/registrations/{confirmed.token}/cancel")
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    offered = client.get(f"/api/events/registrations/{second.token}").json()
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"] is not None
    assert client.get(f"/api/events/registrations/{third.token}").json()["waitlist_position"] == 1
    declined = client.post(f"/api/events/registrations/{second.token}/decline")
    assert declined.status_code == 200 and declined.json()["status"] == "cancelled"
    assert client.get(f"/api/events/registrations/{third.token}").json()["status"] == "offered"
    accepted = client.post(f"/api/events/registrations/{third.token}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"
    assert accepted.json()["offer_expires_at"] is None
    assert services.places_taken(event) == 2


def test_expired_offer_cannot_be_accepted(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=2)
    confirmed = register(event, children=1)
    waiting = register(event, children=1)
    services.registration_cancel(registration=confirmed)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED and waiting.offered_at is not None
    Registration.objects.filter(pk=waiting.pk).update(
        offer_expires_at=waiting.offered_at - timedelta(minutes=1)
    )
    late = Client().post(f"/api/events/registrations/{waiting.token}/accept")
    assert late.status_code == 409
    assert late.json()["code"] == "offer_expired"
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.EXPIRED


def test_rate_limit_answers_429_with_retry_after(
    agency: Any, coordinator: Any, settings: Any
) -> None:
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "2/600"
    event = make_event(agency, coordinator, capacity=50)
    client = Client()
    for n in range(2):
        ok = _post(client, event.reference, _body(email=f"f{n}@example.org"))
        assert ok.status_code == 201, ok.content
    limited = _post(client, event.reference, _body(email="f9@example.org"))
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 601
    assert Registration.objects.count() == 2
    # Another address is not limited by this one's count.
    other = _post(client, event.reference, _body(email="f9@example.org"), REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 201


def test_schema_documents_429_retry_after_and_public_operations() -> None:
    schema = Client().get("/api/openapi.json").json()
    create = schema["paths"]["/api/events/public/{reference}/registrations"]["post"]
    assert "Retry-After" in create["responses"]["429"]["headers"]
    assert create.get("security") in (None, [])
    for code in ("201", "400", "404", "409", "422", "429"):
        assert code in create["responses"]
    view = schema["paths"]["/api/events/registrations/{token}"]["get"]
    assert "404" in view["responses"]


def test_the_schema_has_no_key_twice_so_swagger_ui_can_read_it(client: Any) -> None:
    """JSON with a repeated key (ninja's 429 beside an extra "429") parses in Python but
    Swagger UI's YAML parser refuses the whole definition."""

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
        return dict(pairs)

    schema = json.loads(client.get("/api/openapi.json").content, object_pairs_hook=no_repeats)
    answer = schema["paths"]["/api/events/public/{reference}/registrations"]["post"]
    assert "Retry-After" in answer["responses"]["429"]["headers"]
