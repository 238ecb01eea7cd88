"""Staff pages: create, edit, activities and material, publish, cancel, registrations, door."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.events import services
from showup.events.models import Activity, CheckIn, Event, Registration, SafetyMaterial
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db
FMT = "%Y-%m-%dT%H:%M"


def event_post(**overrides: Any) -> dict[str, Any]:
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    data = {
        "title": "Community day",
        "description": "Cruiser tours",
        "place_name": "Station lot",
        "address": "1 Main St",
        "lat": "",
        "lon": "",
        "start": start.strftime(FMT),
        "end": (start + timedelta(hours=4)).strftime(FMT),
        "capacity": "40",
        "accessibility": "",
        "staff_languages": "en, es",
        "offer_hours": "24",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_draft_adds_activity_and_material_then_publishes(
    client: Any, coordinator: Any
) -> None:
    client.force_login(coordinator)
    response = client.post(reverse("events:staff_create"), event_post())
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:staff_edit", args=[event.pk])
    assert event.status == Event.Status.DRAFT and event.capacity == 40
    assert timezone.localtime(event.start).hour == 10
    start = timezone.localtime(event.start)
    client.post(
        reverse("events:activity_add", args=[event.pk]),
        {
            "activity-title": "K-9 demonstration",
            "activity-start": (start + timedelta(hours=1)).strftime(FMT),
            "activity-end": "",
            "activity-place": "the field",
        },
    )
    assert Activity.objects.get(event=event).place == "the field"
    client.post(
        reverse("events:material_add", args=[event.pk]),
        {"material-title": "Door latches", "material-body": "Fit them high.", "material-url": ""},
    )
    assert SafetyMaterial.objects.get(event=event).title == "Door latches"
    page = client.get(reverse("events:staff_edit", args=[event.pk])).content.decode()
    assert "K-9 demonstration" in page and "Door latches" in page
    client.post(reverse("events:staff_publish", args=[event.pk]))
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    client.post(reverse("events:activity_remove", args=[Activity.objects.get().pk]))
    assert not Activity.objects.exists()


def test_event_form_errors_keep_what_was_typed(client: Any, coordinator: Any) -> None:
    client.force_login(coordinator)
    data = event_post(title="Open house", capacity="0")
    data["end"] = data["start"]
    response = client.post(reverse("events:staff_create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert not Event.objects.exists()
    assert "The end must be after the start." in body
    assert "At least one place is needed." in body
    assert 'value="Open house"' in body and "data-focus-on-load" in body


def test_edit_saves_through_the_service(client: Any, coordinator: Any, agency: Any) -> None:
    event = make_event(agency, coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("events:staff_edit", args=[event.pk])).content.decode()
    assert 'value="Community day"' in page
    client.post(reverse("events:staff_edit", args=[event.pk]), event_post(title="Open house"))
    event.refresh_from_db()
    assert event.title == "Open house"


def test_cancel_event_after_confirmation(client: Any, coordinator: Any, agency: Any) -> None:
    event = make_event(agency, coordinator)
    register(event)
    client.force_login(coordinator)
    url = reverse("events:staff_cancel", args=[event.pk])
    assert "1 confirmed family will be told" in client.get(url).content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    client.post(url)
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED


def test_registrations_grouped_and_the_read_is_audited_without_names(
    client: Any, coordinator: Any, agency: Any
) -> None:
    event = make_event(agency, coordinator, capacity=4)
    first = register(event, adults=1, children=1, names=["Mateo"])
    register(event, adults=1, children=1, names=["Leo"])
    waiting = register(event, adults=1, children=1, names=["Ана"])
    later = register(event, adults=1, children=1, names=["محمد"])
    assert {waiting.status, later.status} == {Registration.Status.WAITLISTED}
    services.registration_cancel(registration=first)  # offers the places to "Ана"
    client.force_login(coordinator)
    response = client.get(reverse("events:staff_detail", args=[event.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Leo" in body and "Ана" in body and "محمد" in body
    assert "Must accept by" in body
    assert body.index("Waitlist, in order") < body.index("محمد")
    entry = AuditEntry.objects.filter(action="events.registration.listed").latest("pk")
    assert entry.actor == coordinator and entry.data["count"] == 4
    assert "Leo" not in str(entry.data) and "Parent" not in str(entry.data)
    assert reverse("events:badges", args=[event.pk]) in body


def test_door_search_by_child_or_family_name_and_check_in(
    client: Any, officer: Any, coordinator: Any, agency: Any
) -> None:
    event = make_event(agency, coordinator)
    family = register(event, adults=1, children=2, names=["Mateo", "Sofía"])
    other = register(event, adults=1, children=1, names=["Leo"])
    client.force_login(officer)
    url = reverse("events:door", args=[event.pk])
    body = client.get(url, {"q": "sof"}).content.decode()
    assert "Mateo" in body and "Leo" not in body
    body = client.get(url, {"q": other.contact_name}).content.decode()
    assert "Leo" in body and "Mateo" not in body
    mateo = family.children.get(first_name="Mateo")
    data = {"registration": family.pk, "child": mateo.pk, "scan_id": "web-1", "q": "sof"}
    response = client.post(reverse("events:door_checkin", args=[event.pk]), data)
    assert response.status_code == 302 and "q=sof" in response["Location"]
    client.post(reverse("events:door_checkin", args=[event.pk]), data)  # a double tap
    assert CheckIn.objects.count() == 1
    mateo.refresh_from_db()
    assert mateo.checked_in_at is not None
    assert family.children.get(first_name="Sofía").checked_in_at is None
    body = client.get(url, {"q": "mateo"}).content.decode()
    assert "Checked in at" in body
    assert f'method="post" action="{reverse("events:badge", args=[mateo.pk])}"' in body
    assert "Badge printed at" not in body
    assert client.post(reverse("events:badge", args=[mateo.pk])).status_code == 200
    assert "Badge printed at" in client.get(url, {"q": "mateo"}).content.decode()


def test_door_refuses_a_waitlisted_family(
    client: Any, officer: Any, coordinator: Any, agency: Any
) -> None:
    event = make_event(agency, coordinator, capacity=2)
    register(event, adults=1, children=1)
    waiting = register(event, adults=1, children=1)
    client.force_login(officer)
    response = client.post(
        reverse("events:door_checkin", args=[event.pk]),
        {"registration": waiting.pk, "scan_id": "web-2"},
        follow=True,
    )
    assert CheckIn.objects.count() == 0
    assert "not confirmed" in response.content.decode()
