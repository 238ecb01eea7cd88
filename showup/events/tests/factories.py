"""Small builders for the events tests: a published event and a family's registration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from showup.events import services
from showup.events.models import Event, Registration


def make_event(agency: Any, coordinator: Any, *, capacity: int = 10, **extra: Any) -> Event:
    start = timezone.now() + timedelta(days=7)
    data = {
        "title": "Community day",
        "place_name": "Station lot",
        "start": start,
        "end": start + timedelta(hours=4),
        "capacity": capacity,
        "offer_hours": 24,
        **extra,
    }
    event = services.event_create(agency=agency, actor=coordinator, data=data)
    return services.event_publish(event=event, actor=coordinator)


_seq = iter(range(1, 1_000_000))


def register(
    event: Event,
    *,
    adults: int = 1,
    children: int = 1,
    email: str | None = None,
    phone: str = "",
    names: list[str] | None = None,
    language: str = "en",
) -> Registration:
    n = next(_seq)
    if email is None:
        email = f"family{n}@example.org"
    kids = [
        {"first_name": (names[i] if names else f"Kid{i}"), "age_band": "4-6"}
        for i in range(children)
    ]
    return services.registration_create(
        event=event,
        data={"contact_name": f"Parent {n}", "email": email, "phone": phone, "adults": adults},
        children=kids,
        language=language,
    )
