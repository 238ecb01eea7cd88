"""iCalendar: one event's file and the feed parse with `icalendar`, in UTC, public data only."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.urls import reverse
from icalendar import Calendar

from showup.events import services
from showup.events.models import Event
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(agency: Any, coordinator: Any) -> Event:
    event = make_event(
        agency,
        coordinator,
        title="Open house",
        address="1 Main St",
        description="K-9 demonstration and face painting.",
        lat=34.05,
        lon=-118.24,
    )
    services.activity_add(
        event=event,
        actor=coordinator,
        title="Cruiser tour",
        start=event.start + timedelta(minutes=30),
        place="the lot",
    )
    return event


def vevents(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_one_event_file_parses_with_times_in_utc(client: Any, event: Event) -> None:
    register(event, names=["Zorbatron"])
    response = client.get(reverse("events:ics", args=[event.reference]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"Zorbatron" not in response.content and b"Parent" not in response.content
    (item,) = vevents(response.content)
    start, end = item.decoded("dtstart"), item.decoded("dtend")
    assert start.utcoffset() == timedelta(0) and start.tzinfo is not None
    # Calendar times are whole seconds.
    assert start == event.start.replace(microsecond=0)
    assert end == event.end.replace(microsecond=0)
    assert b"DTSTART:" in response.content and response.content.count(b"Z\r\n") >= 2
    assert str(item["summary"]) == "Open house"
    assert str(item["location"]) == "Station lot, 1 Main St"
    description = str(item["description"])
    assert "K-9 demonstration and face painting." in description
    assert "Cruiser tour (the lot)" in description
    assert reverse("events:detail", args=[event.reference]) in description
    assert str(item["uid"]) == f"event-{event.reference}@showup"
    assert item.decoded("geo")[0] == pytest.approx(34.05)
    assert str(item["status"]) == "CONFIRMED"


def test_feed_has_the_upcoming_published_events_only(
    client: Any, event: Event, agency: Any, coordinator: Any
) -> None:
    draft = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Draft day",
            "place_name": "x",
            "start": event.start,
            "end": event.end,
            "capacity": 5,
        },
    )
    later = make_event(agency, coordinator, title="Later day")
    response = client.get(reverse("events:feed"))
    assert response.status_code == 200
    items = vevents(response.content)
    titles = {str(i["summary"]) for i in items}
    assert titles == {"Open house", "Later day"}
    assert draft.title not in titles
    assert all(i.decoded("dtstart").tzinfo is not None for i in items)
    assert later.start.astimezone(UTC).replace(microsecond=0) in {
        i.decoded("dtstart") for i in items
    }


def test_cancelled_event_file_says_cancelled(client: Any, event: Event, coordinator: Any) -> None:
    services.event_cancel(event=event, actor=coordinator)
    (item,) = vevents(client.get(reverse("events:ics", args=[event.reference])).content)
    assert str(item["status"]) == "CANCELLED"
